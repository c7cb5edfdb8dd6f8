/**
 * A sandbox plan (plan.ts) → the argv that starts the agent inside it. Only
 * translation here: what is mounted, which namespaces, and how the program is
 * reached (directly, or through the Landlock exec step when it may not spawn
 * programs) are all decided by the plan.
 *
 * The environment is NOT put on bwrap's command line (it holds the launch
 * token, and argv is world-readable in /proc): the spawned process gets it,
 * and bwrap hands its environment to the agent.
 */
import type { Mount, SandboxPlan } from "./plan.ts";

export interface LaunchTools {
  bwrap: string;
  /** argv prefix that re-runs this program (the single binary, or bun + src/main.ts in development). */
  self: string[];
  /** What must be visible (read-only) inside the sandbox for `self` to run there. */
  selfFiles: string[];
  /** The dynamic loader the runtime's executables need (allowed to execute with them). */
  loader: string | null;
  /** bwrap supports `--disable-userns` (0.8+); without it nested user namespaces stay possible. */
  disableUserns?: boolean;
}

function mountArgs(m: Mount): string[] {
  switch (m.kind) {
    case "proc":
      return ["--proc", m.target];
    case "dev":
      return ["--dev", m.target];
    case "tmpfs":
      return ["--tmpfs", m.target];
    case "symlink":
      return ["--symlink", m.source!, m.target];
    case "ro":
      return ["--ro-bind", m.source!, m.target];
    case "rw":
    case "socket":
      // connect() on a Unix socket needs write access to its inode.
      return ["--bind", m.source!, m.target];
  }
}

/**
 * The full argv: bwrap <namespaces> <mounts> -- [Landlock exec step when !spawn] <command>.
 * The Landlock step runs inside, after bwrap has built the view: a Landlock
 * domain forbids changing mounts, so it cannot be entered before bwrap.
 */
export function sandboxArgv(plan: SandboxPlan, command: string[], cwd: string, tools: LaunchTools): string[] {
  const inner = plan.spawn || plan.execAllow.length === 0
    ? command
    : [...tools.self, "__exec-restricted", ...[...plan.execAllow, ...(tools.loader ? [tools.loader] : [])].flatMap((f) => ["--allow-exec", f]), "--", ...command];
  return [
    tools.bwrap,
    "--die-with-parent",
    "--new-session",
    "--unshare-user",
    // No nested user namespaces: they are how a process would regain capabilities inside.
    ...(tools.disableUserns === false ? [] : ["--disable-userns"]),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(plan.network.mode === "host" ? [] : ["--unshare-net"]),
    "--cap-drop",
    "ALL",
    "--hostname",
    "agent",
    ...plan.mounts.flatMap(mountArgs),
    ...(plan.spawn ? [] : tools.selfFiles.flatMap((f) => ["--ro-bind", f, f])),
    "--chdir",
    cwd,
    "--",
    ...inner,
  ];
}
