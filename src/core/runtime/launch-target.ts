/**
 * Whether an agent may run now, and what to start: only an installed AND
 * enabled agent with a usable installed manifest. Checked on every start —
 * by a person, by autostart, and before each restart after a backoff — so an
 * agent disabled or uninstalled meanwhile is never started again.
 */
import type { Catalog } from "../catalog/catalog.ts";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";
import { quarantineBlocks } from "../registry/yanks.ts";

export interface LaunchTarget {
  manifest: Manifest;
  installPath: string;
  /** A local checkout under development: not restarted after a crash. */
  devMode: boolean;
}

export function launchTarget(catalog: Pick<Catalog, "installFor" | "installedManifest">, agentId: string): LaunchTarget {
  const install = catalog.installFor(agentId);
  if (!install || install.state !== "installed") throw new AppError("conflict", `agent ${agentId} is not installed (run: opensentience agents install ${agentId})`);
  if (!install.enabled) throw new AppError("conflict", `agent ${agentId} is not enabled (run: opensentience agents enable ${agentId} --approve ...)`);
  if (quarantineBlocks(install)) throw new AppError("conflict", `agent ${agentId} is quarantined: its registry entry is yanked (${install.quarantineReason})`);
  const manifest = catalog.installedManifest(agentId);
  if (!manifest) throw new AppError("invalid_manifest", `agent ${agentId} has no usable installed manifest`);
  return { manifest, installPath: install.installPath, devMode: install.devMode };
}
