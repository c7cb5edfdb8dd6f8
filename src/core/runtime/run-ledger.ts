/**
 * The `runs` table: one row per agent process this daemon started, open until
 * the process ends. It outlives the daemon on purpose: after a crash (`kill -9`)
 * the next daemon reads the open rows to find and end the orphans.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/open.ts";
import { runs } from "../../db/schema.ts";

export interface RunEnd {
  endedAt: string;
  exitCode: number | null;
  signal: string | null;
  reason: string;
}

export type OpenRun = Pick<typeof runs.$inferSelect, "id" | "agentId" | "pid" | "daemonPid">;

export class RunLedger {
  constructor(private readonly db: Db) {}

  /** Records a started process; returns the run id. The pid is also its process group and session id (detached spawn). */
  open(agentId: string, pid: number): number {
    return this.db.insert(runs).values({ agentId, pid, pgid: pid, daemonPid: process.pid, startedAt: new Date().toISOString() }).returning({ id: runs.id }).get().id;
  }

  close(runId: number, end: RunEnd): void {
    this.db.update(runs).set(end).where(eq(runs.id, runId)).run();
  }

  /** Runs no daemon has closed: at daemon start, every one of them belongs to a daemon that is gone. */
  openRuns(): OpenRun[] {
    return this.db.select({ id: runs.id, agentId: runs.agentId, pid: runs.pid, daemonPid: runs.daemonPid }).from(runs).where(isNull(runs.endedAt)).all();
  }

  /** Closes a run left open by a dead daemon (only if still open, so a second sweep changes nothing). */
  closeAbandoned(runId: number, reason: string): void {
    this.db
      .update(runs)
      .set({ endedAt: new Date().toISOString(), reason })
      .where(and(eq(runs.id, runId), isNull(runs.endedAt)))
      .run();
  }
}
