/**
 * Orphan recovery at daemon start. A daemon that died without stopping its
 * agents (`kill -9`, OOM, power loss of the parent only) leaves open rows in
 * `runs`. An agent SDK halts when its socket closes, but a wedged or hostile
 * agent may not, so each recorded process that is still alive AND carries the
 * agent id we gave it in its environment (pids are reused: never kill a
 * stranger) is killed with its whole session, and the run is closed.
 */
import type { AuditLog } from "../audit/audit-log.ts";
import { killMarked } from "./agent-process.ts";
import { alive, processEnvVar, sessionMembers, signalAll } from "./process-tree.ts";
import type { RunLedger } from "./run-ledger.ts";

/** Returns how many processes were killed per agent id (for logs and tests). */
export function recoverOrphans(ledger: RunLedger, audit: AuditLog): Map<string, number> {
  const killedBy = new Map<string, number>();
  for (const r of ledger.openRuns()) {
    let killed = 0;
    if (r.pid && alive(r.pid) && processEnvVar(r.pid, "OPENSENTIENCE_AGENT_ID") === r.agentId) {
      const members = sessionMembers(r.pid);
      signalAll(members, "SIGKILL");
      killed = members.length;
    }
    // Descendants that left the session (setsid, double fork) still carry the dead daemon's mark.
    killed += killMarked(r.agentId, r.daemonPid);
    ledger.closeAbandoned(r.id, killed ? "orphan killed at daemon start" : "daemon stopped unexpectedly");
    if (killed) {
      killedBy.set(r.agentId, (killedBy.get(r.agentId) ?? 0) + killed);
      audit.record({ actor: "system", action: "agent.orphan_killed", agentId: r.agentId, outcome: "ok", details: { pid: r.pid, processes: killed } });
    }
  }
  return killedBy;
}
