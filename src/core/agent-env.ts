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
import { absolutePath } from "./absolute-path.ts";

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

/** Directories under the data dir that builds (and the agents they produce) use; `home` is the builds' private HOME. */
export function toolchainDirs(paths: DataPaths) {
  return { home: join(paths.home, "home"), mixHome: join(paths.home, "mix"), hexHome: join(paths.home, "hex") };
}

/**
 * The mix variables of an agent, identical for its build and its run (the single
 * definition both use). Non-secret: install plans show them to the user.
 */
export function mixVars(paths: DataPaths, sdk: string | null): Record<string, string> {
  const t = toolchainDirs(paths);
  return {
    MIX_ENV: AGENT_MIX_ENV,
    MIX_HOME: t.mixHome,
    HEX_HOME: t.hexHome,
    HEX_OFFLINE: "1",
    MIX_XDG: "0",
    ...(sdk ? { OPENSENTIENCE_SDK_PATH: sdk } : {}),
  };
}

/** Environment an agent process runs with: the user's PATH/HOME/LANG plus its mix variables. */
export function mixEnv(paths: DataPaths, env: Record<string, string | undefined> = process.env): Record<string, string> {
  return {
    // The agent starts in its own checkout (and, unsandboxed, `mix` is looked up there): absolute entries only.
    PATH: absolutePath(env.PATH),
    HOME: env.HOME ?? paths.home,
    LANG: env.LANG ?? "C.UTF-8",
    ...mixVars(paths, sdkPath(paths, env)),
  };
}
