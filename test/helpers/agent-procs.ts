/**
 * Counts agent processes from /proc, the way an operator would: every live
 * process whose environment says it is `agentId`, started for the data
 * directory `home`. An Elixir agent is a small tree (beam.smp and its
 * erl_child_setup, which calls setsid itself), so "one agent" is one root: a
 * process of the agent whose parent is not a process of the same agent.
 */
import { readdirSync, readFileSync } from "node:fs";
import { alive, processEnvVar } from "../../src/core/runtime/process-tree.ts";

export interface AgentProc {
  pid: number;
  ppid: number;
}

function ppidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]); // state ppid …
  } catch {
    return null;
  }
}

/** Live processes of `agentId` started under `home` (matched on OPENSENTIENCE_SOCKET). */
export function agentProcs(home: string, agentId: string): AgentProc[] {
  const out: AgentProc[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (processEnvVar(pid, "OPENSENTIENCE_AGENT_ID") !== agentId || !processEnvVar(pid, "OPENSENTIENCE_SOCKET")?.startsWith(home) || !alive(pid)) continue;
    const ppid = ppidOf(pid);
    if (ppid !== null) out.push({ pid, ppid });
  }
  return out;
}

/** The roots of `agentId`'s process trees under `home`, sorted: exactly one pid while it runs once. */
export function agentRoots(home: string, agentId: string): number[] {
  const procs = agentProcs(home, agentId);
  const pids = new Set(procs.map((p) => p.pid));
  return procs
    .filter((p) => !pids.has(p.ppid))
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}
