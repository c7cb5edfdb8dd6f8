/** The sandbox launcher of a data directory, from its config: one construction for the runtime and the CLI. */
import { sdkPath, toolchainDirs } from "../agent-env.ts";
import type { Config } from "../config/load.ts";
import { SandboxLauncher } from "./launcher.ts";
import { capsFromConfig, type ManifestLimits } from "./limits.ts";

/**
 * `manifestOf` lets resource limits follow each agent's manifest (else the operator's caps are shown);
 * `moveSelf` only for the daemon (cgroup v2 delegation, limits.ts).
 */
export function sandboxLauncherFor(config: Config, opts: { manifestOf?: (agentId: string) => ManifestLimits | null | undefined; moveSelf?: boolean } = {}): SandboxLauncher {
  const paths = config.paths;
  const tc = toolchainDirs(paths);
  return new SandboxLauncher({
    policy: config.sandbox,
    dataHome: paths.home,
    agentsDir: paths.agentsDir,
    runDir: paths.runDir,
    hubSocket: paths.agentSocket,
    // Read-only at run time: what the agent's compiled code was built against.
    buildTrees: [tc.mixHome, tc.hexHome, sdkPath(paths)],
    resources: { caps: capsFromConfig(config.limits), manifestOf: opts.manifestOf, moveSelf: opts.moveSelf },
  });
}
