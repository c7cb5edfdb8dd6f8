/**
 * Process-tree helpers for stopping agents. A BEAM started in its own session
 * may spawn port programs in other process groups, so a group kill is not
 * enough: we snapshot every descendant (and every member of the session) from
 * /proc and signal them all.
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
}

function readStat(pid: number): ProcInfo | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may contain spaces/parens: fields start after the last ')'.
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { pid, state: rest[0] ?? "?", ppid: Number(rest[1]), pgid: Number(rest[2]), sid: Number(rest[3]) };
  } catch {
    return null;
  }
}

/** Every pid in /proc (empty where there is no /proc). */
function listPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

function allProcs(): ProcInfo[] {
  return listPids().flatMap((pid) => readStat(pid) ?? []);
}

/** The root, its descendants, and every process in the root's session (pid = sid after setsid). */
export function processTree(rootPid: number): number[] {
  const procs = allProcs();
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>();
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  for (const p of procs) if (p.sid === rootPid || p.pgid === rootPid) found.add(p.pid);
  return [...found].filter((pid) => pid !== process.pid && alive(pid));
}

/** Processes in the session `sid` (used to find orphans of a crashed daemon). */
export function sessionMembers(sid: number): number[] {
  return allProcs()
    .filter((p) => (p.sid === sid || p.pgid === sid) && p.state !== "Z")
    .map((p) => p.pid)
    .filter((pid) => pid !== process.pid);
}

export function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** True for a live (non-zombie) process. */
export function alive(pid: number): boolean {
  const st = readStat(pid);
  return st !== null && st.state !== "Z" && st.state !== "X";
}

/** Reads one variable from a process's environment (only readable for our own processes). */
export function processEnvVar(pid: number, name: string): string | null {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const hit = env.find((e) => e.startsWith(`${name}=`));
    return hit ? hit.slice(name.length + 1) : null;
  } catch {
    return null;
  }
}

/**
 * Every live process whose environment holds exactly `name=value` (readable for
 * our own processes). This finds what an agent started even when it left the
 * agent's process tree and session (setsid, double fork): children inherit
 * the environment.
 */
export function markedProcesses(name: string, value: string): number[] {
  return listPids().filter((pid) => pid !== process.pid && processEnvVar(pid, name) === value && alive(pid));
}
