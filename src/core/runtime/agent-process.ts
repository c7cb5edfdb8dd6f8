/**
 * The OS side of an agent: spawn it in its own session with piped output,
 * and end it together with everything it started. Nothing here knows about
 * slots or the protocol; the Supervisor decides when, this file knows how.
 */
import type { Subprocess } from "bun";
import { mixEnv } from "../agent-env.ts";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";
import { approvedEnvVars } from "../manifest/permissions.ts";
import { type AgentLog, pipeToLog } from "./agent-log.ts";
import { alive, markedProcesses, processTree, sessionMembers, signalAll } from "./process-tree.ts";

export type AgentProcess = Subprocess<"ignore", "pipe", "pipe">;

export interface SpawnSpec {
  agentId: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Receives the process's stdout and stderr line by line (redacted by the log). */
  log: AgentLog;
}

/**
 * The agent's whole environment: its mix variables, the host variables its
 * approved `env:read:<VAR>` permissions name, and how to reach the hub with
 * this launch's one-time token. Nothing else of the daemon's environment.
 */
export function agentEnvironment(opts: { paths: DataPaths; agentId: string; approved: readonly string[]; token: string; hostEnv?: Record<string, string | undefined> }): Record<string, string> {
  const hostEnv = opts.hostEnv ?? process.env;
  const env = mixEnv(opts.paths, hostEnv);
  for (const name of approvedEnvVars(opts.approved)) {
    const v = hostEnv[name];
    if (v !== undefined) env[name] = v;
  }
  env.OPENSENTIENCE_SOCKET = opts.paths.agentSocket;
  env.OPENSENTIENCE_AGENT_ID = opts.agentId;
  env.OPENSENTIENCE_TOKEN = opts.token;
  env[SUPERVISION_MARKER] = supervisionMark(process.pid, opts.agentId);
  return env;
}

/**
 * Names the daemon and agent every process of an agent belongs to, inherited
 * by whatever it starts. Stop, crash cleanup and the orphan sweep kill every
 * process carrying it, so a descendant that left the tree and session (setsid,
 * a double fork) is still found. (Inside the sandbox the agent's PID namespace
 * already guarantees this; a child that deliberately clears its environment
 * escapes only unsandboxed agents — see README.)
 */
export const SUPERVISION_MARKER = "OPENSENTIENCE_SUPERVISOR";
export const supervisionMark = (daemonPid: number, agentId: string) => `${daemonPid}:${agentId}`;

/** Kills every process still carrying this daemon's mark for the agent (after its main process ended). */
export function killMarked(agentId: string, daemonPid = process.pid): number {
  const pids = markedProcesses(SUPERVISION_MARKER, supervisionMark(daemonPid, agentId));
  if (!pids.length) return 0;
  signalAll(pids, "SIGKILL");
  // SIGKILL lands asynchronously: wait (briefly, bounded) so that "stopped" means gone. Only runs when something escaped.
  for (let i = 0; i < 100 && pids.some(alive); i++) Bun.sleepSync(2);
  return pids.length;
}

/**
 * Starts the agent detached (its own session, so its pid is its session id and
 * the whole tree can be found again, even by the next daemon after a crash).
 * Throws `agent_unavailable` when the program cannot be started at all.
 */
export function spawnAgent(spec: SpawnSpec): AgentProcess {
  let proc: AgentProcess;
  try {
    proc = Bun.spawn(spec.argv, { cwd: spec.cwd, env: spec.env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  } catch (e) {
    throw new AppError("agent_unavailable", `cannot start ${spec.agentId}: ${(e as Error).message}`, { cause: e });
  }
  void pipeToLog(proc.stdout, spec.log, "stdout");
  void pipeToLog(proc.stderr, spec.log, "stderr");
  return proc;
}

/**
 * Ends a process and its whole tree: wait up to `graceMs` for it to exit by
 * itself (after a `shutdown` frame), then TERM every descendant and session
 * member, then KILL what is left. The tree is snapshotted before signalling
 * because a BEAM's port programs live in other process groups and would be
 * re-parented (and lost) once the BEAM is gone. Resolves once `exited` settles.
 */
export async function terminateTree(pid: number, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (graceMs > 0 && (await raceTimeout(exited, graceMs))) return;
  const tree = processTree(pid);
  signalAll(tree, "SIGTERM");
  if (await raceTimeout(exited, Math.min(2000, Math.max(200, graceMs)))) {
    signalAll(processTree(pid).concat(tree).filter(alive), "SIGKILL");
    return;
  }
  signalAll([...new Set([...tree, ...processTree(pid)])], "SIGKILL");
  await exited;
}

/** After the agent's own process exited: children it left in its session (port programs) must not outlive it. */
export function reapSession(pid: number): void {
  signalAll(sessionMembers(pid), "SIGKILL");
}

/** Resolves true if `p` settles within `ms`. */
export async function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (t = setTimeout(() => res(false), ms)))]);
  clearTimeout(t);
  return r;
}
