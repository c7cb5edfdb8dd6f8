/**
 * What a service definition says, whatever the service manager: the command,
 * its environment and where its output goes. Built once from the running
 * process; systemd.ts and launchd.ts only format it.
 */
import { isAbsolute, join, resolve } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";

export interface ServiceSpec {
  /** Absolute program path first, then its arguments (ends with `serve`). */
  command: string[];
  /** Environment set for the daemon (never a secret). */
  env: Record<string, string>;
  /** The data directory (OPENSENTIENCE_HOME). */
  dataDir: string;
  /** stdout and stderr of the daemon. */
  logFile: string;
  /** OpenSentience version that wrote the file. */
  version: string;
}

/**
 * Variables copied into the service, when set. PATH matters most: service
 * managers start with a minimal PATH, so mix, elixir and git installed through
 * asdf, Homebrew or ~/.local would not be found. OPENSENTIENCE_ADMIN_TOKEN is
 * deliberately absent: a secret never goes into a unit file or plist.
 */
export const CAPTURED_ENV = ["PATH", "LANG", "OPENSENTIENCE_HOME", "OPENSENTIENCE_SDK_PATH", "OPENSENTIENCE_SCAN_ROOTS", "OPENSENTIENCE_PORT"] as const;

export interface RunningProgram {
  /** process.execPath: the compiled binary, or `bun` when running from source. */
  execPath: string;
  /** Bun.main: the entry script (inside /$bunfs/ in the compiled binary). */
  main: string;
}

/** True inside the single executable (its modules live in Bun's embedded /$bunfs/ file system). */
export function isCompiled(program: RunningProgram): boolean {
  return program.main.startsWith("/$bunfs/") || program.main.startsWith("B:/~BUN/");
}

/** The command that starts the daemon: `<binary> serve`, or `bun <src/main.ts> serve` from a checkout. */
export function serveCommand(program: RunningProgram): string[] {
  const exe = resolve(program.execPath);
  if (isCompiled(program)) return [exe, "serve"];
  if (!isAbsolute(program.main)) throw new AppError("internal", `cannot tell which script is running (${program.main})`);
  return [exe, program.main, "serve"];
}

export function buildServiceSpec(opts: { paths: DataPaths; env: Record<string, string | undefined>; program: RunningProgram; version: string }): ServiceSpec {
  const env: Record<string, string> = {};
  for (const name of CAPTURED_ENV) {
    const v = opts.env[name];
    if (v !== undefined && v !== "") env[name] = v;
  }
  // Resolved, so the service does not depend on the cwd `install` ran in.
  if (env.OPENSENTIENCE_HOME) env.OPENSENTIENCE_HOME = opts.paths.home;
  return {
    command: serveCommand(opts.program),
    env,
    dataDir: opts.paths.home,
    logFile: join(opts.paths.logsDir, "daemon.log"),
    version: opts.version,
  };
}
