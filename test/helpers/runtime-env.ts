/**
 * Builds a real service stack (temp data dir, SQLite file, Unix socket) for
 * runtime tests, and registers installed+enabled agents directly in the
 * catalog, as the installer would after a successful build.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config/load.ts";
import type { Limits } from "../../src/core/config/schema.ts";
import { Runtime } from "../../src/core/runtime/runtime.ts";
import { createServices, type Services } from "../../src/core/services.ts";
import { approvals, installs } from "../../src/db/schema.ts";
import { waitFor } from "./binary.ts";

export interface RuntimeEnv {
  home: string;
  services: Services;
  runtime: Runtime;
  installAgent(opts: { id: string; path: string; manifest: Record<string, unknown>; approve?: string[]; devMode?: boolean; enabled?: boolean }): void;
  close(): Promise<void>;
}

/** Short temp dir: Unix socket paths must stay under ~100 bytes. */
export function shortTempDir(prefix = "os-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o700);
  return d;
}

/**
 * `sandbox` defaults to "off": most runtime tests drive fake protocol peers
 * (bun scripts started through sh, from this repository), which test
 * supervision, not confinement. Tests of real agents pass "required", so they
 * fail if the sandbox could not be used.
 */
export async function runtimeEnv(limits: Partial<Limits> = {}, opts: { sandbox?: "required" | "auto" | "off"; config?: Record<string, unknown> } = {}): Promise<RuntimeEnv> {
  const home = shortTempDir("osrt-");
  writeFileSync(join(home, "config.json"), JSON.stringify({ scan_roots: [], sandbox: opts.sandbox ?? "off", limits, ...opts.config }));
  const config = loadConfig({ env: { OPENSENTIENCE_HOME: home } });
  const services = createServices(config);
  const runtime = new Runtime(services);
  await runtime.start();
  return {
    home,
    services,
    runtime,
    installAgent({ id, path, manifest, approve = [], devMode = false, enabled = true }) {
      const now = new Date().toISOString();
      services.store.db
        .insert(installs)
        .values({ agentId: id, source: "local", installPath: path, state: "installed", enabled, devMode, manifestJson: JSON.stringify(manifest), installedAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: installs.agentId, set: { installPath: path, enabled, devMode, manifestJson: JSON.stringify(manifest) } })
        .run();
      for (const p of approve) services.store.db.insert(approvals).values({ agentId: id, permission: p, approvedAt: now, actor: "cli" }).onConflictDoNothing().run();
    },
    async close() {
      await runtime.stop();
      services.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A "release" entrypoint dir whose binary runs the fake protocol peer in the given mode. */
export function fakeAgentDir(mode: string, extraEnv: Record<string, string> = {}): string {
  const dir = shortTempDir("osfa-");
  mkdirSync(join(dir, "bin"));
  const envLines = Object.entries({ FAKE_AGENT_MODE: mode, ...extraEnv })
    .map(([k, v]) => `export ${k}=${JSON.stringify(v)}`)
    .join("\n");
  writeFileSync(join(dir, "bin", "agent"), `#!/bin/sh\n${envLines}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(import.meta.dir, "fake-agent.ts"))}\n`, { mode: 0o755 });
  return dir;
}

export function fakeManifest(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    manifest_version: 1,
    id,
    name: id,
    version: "1.0.0",
    entrypoint: { type: "release", path: "bin/agent", args: [] },
    permissions: ["env:read:FAKE_SECRET"],
    capabilities: ["tools"],
    ...extra,
  };
}

/** Waits until `cond()` is true (the shared `waitFor` poller); fails naming `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  await waitFor(cond, { what, timeoutMs: ms });
}
