/**
 * The environment shared by an agent's build (mix deps.get / compile) and its
 * run. Both must agree on MIX_ENV, MIX_HOME and the SDK path, or mix would
 * recompile (or refuse) at launch. Nothing from the daemon's own environment
 * leaks in beyond what is listed here — in particular never the admin token.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { hasEmbeddedSdk, materializeSdk } from "./bundled/bundled.ts";
import type { DataPaths } from "./config/paths.ts";

/** Agents are built and run in `prod`: no dev-only deps, consolidated protocols. */
export const AGENT_MIX_ENV = "prod";

/** The Elixir SDK directory agents depend on (path dependency via OPENSENTIENCE_SDK_PATH). */
export function sdkPath(paths: DataPaths, env: Record<string, string | undefined> = process.env): string {
  if (env.OPENSENTIENCE_SDK_PATH) return resolve(env.OPENSENTIENCE_SDK_PATH);
  const fromSource = resolve(import.meta.dir, "../../sdk/elixir");
  if (existsSync(join(fromSource, "mix.exs"))) return fromSource;
  // The single binary: the SDK it carries, written out under the data dir on first use.
  if (hasEmbeddedSdk()) return materializeSdk(paths);
  return join(paths.home, "sdk", "elixir");
}

/** Base environment for every mix process the core starts for an agent. */
export function mixEnv(paths: DataPaths, env: Record<string, string | undefined> = process.env): Record<string, string> {
  return {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: env.HOME ?? paths.home,
    LANG: env.LANG ?? "C.UTF-8",
    MIX_ENV: AGENT_MIX_ENV,
    MIX_HOME: join(paths.home, "mix"),
    HEX_HOME: join(paths.home, "hex"),
    HEX_OFFLINE: "1",
    MIX_XDG: "0",
    OPENSENTIENCE_SDK_PATH: sdkPath(paths, env),
  };
}
