/**
 * Restoring run intent at daemon start: every installed and enabled agent
 * whose intent is running with autostart on is started again, staggered.
 *
 * Why staggered, and why 2: booting an agent is CPU-bound (`mix run` checks
 * the build, then a BEAM starts: ~0.5–1 s of CPU each on the 2-core machines
 * this targets). Starting twenty at once would make every boot slower, push
 * slow ones past the launch-token deadline, and compete with the daemon's own
 * start. Two at a time keeps both cores busy while boots stay near their solo
 * time. A place frees up when an agent has registered its tools or has
 * failed — an event, not a fixed delay — so fast agents go back to back and
 * one hanging agent holds one place only until its token expires.
 */
import type { AutostartOutcome } from "./agent-control.ts";

export const AUTOSTART_CONCURRENCY = 2;

export interface AutostartReport {
  started: string[];
  skipped: Array<{ agentId: string; reason: string }>;
  failed: Array<{ agentId: string; error: string }>;
  durationMs: number;
}

export interface AutostartPlan {
  /** Agent ids in start order. */
  agentIds: string[];
  /** Starts one agent; never throws (the outcome says what happened). */
  startOne(agentId: string): Promise<AutostartOutcome>;
  /** Checked before each start: the daemon is shutting down, start nothing more. */
  cancelled(): boolean;
  concurrency?: number;
}

/** Starts the agents at most `concurrency` at a time; resolves when every one has an outcome (or was not tried). */
export async function autostartAll(plan: AutostartPlan): Promise<AutostartReport> {
  const began = performance.now();
  const report: AutostartReport = { started: [], skipped: [], failed: [], durationMs: 0 };
  const queue = [...plan.agentIds];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (plan.cancelled()) {
        report.skipped.push({ agentId: id, reason: "the daemon is stopping" });
        continue;
      }
      const r = await plan.startOne(id);
      if (r.outcome === "started") report.started.push(id);
      else if (r.outcome === "skipped") report.skipped.push({ agentId: id, reason: r.reason });
      else report.failed.push({ agentId: id, error: r.error });
    }
  };
  const n = Math.max(1, Math.min(plan.concurrency ?? AUTOSTART_CONCURRENCY, queue.length));
  await Promise.all(Array.from({ length: n }, worker));
  report.durationMs = Math.round(performance.now() - began);
  return report;
}
