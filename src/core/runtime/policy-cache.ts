/**
 * What the router asks on every tool call — is the agent installed, enabled,
 * and which permissions are approved — cached per agent (issue 13: the query
 * behind it was the largest single cost in a daemon profile of tool calls).
 *
 * Freshness does not depend on anyone remembering to invalidate: triggers
 * bump `policy_epoch.n` on every write to `installs` or `approvals`
 * (migration 0011), by any connection, and a different value drops the whole
 * cache. Reading that counter is a read transaction — two `fcntl` lock calls
 * and a statement, ~8–12 µs of a ~140 µs call inside the daemon — so it is
 * read only when something may have changed:
 *
 *   - this connection wrote anything (`total_changes()`, which counts rows
 *     written by triggers too and needs no lock): every change the daemon or
 *     the CLI makes — the one writer of a data directory (src/cli/target.ts) —
 *     applies to the very next call, as before;
 *   - or FOREIGN_WRITE_BOUND_MS passed since the last read: a write by another
 *     connection, which the writer lock leaves only to tools outside the
 *     product (a sqlite3 shell), applies within that bound.
 */
import type { Database } from "bun:sqlite";
import type { AgentPolicy } from "./router.ts";

/** How stale an answer may be for a write by another connection (see the module comment). */
export const FOREIGN_WRITE_BOUND_MS = 100;

export class PolicyCache {
  private readonly sqlite: Database;
  private readonly epochQuery;
  private readonly changesQuery;
  private readonly policyQuery;
  private epoch = -1;
  private changes = -1;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private readonly byAgent = new Map<string, AgentPolicy>();

  constructor(
    sqlite: Database,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sqlite = sqlite;
    this.epochQuery = sqlite.query<unknown, []>("SELECT n FROM policy_epoch WHERE id = 1");
    this.changesQuery = sqlite.query<unknown, []>("SELECT total_changes()");
    this.policyQuery = sqlite.query<{ enabled: number; installed: number; approved: string }, [string]>(
      `SELECT (i.state = 'installed' AND i.enabled = 1) AS enabled, (i.state = 'installed') AS installed,
              (SELECT json_group_array(permission) FROM approvals WHERE agent_id = i.agent_id) AS approved
       FROM installs i WHERE i.agent_id = ?`,
    );
  }

  /** The agent's policy as of now. The answer (its `approved` set too) is shared until the next change: read-only. */
  get(agentId: string): AgentPolicy {
    // Inside a transaction the counter may still roll back, and a later commit could reach the same value:
    // answer fresh and cache nothing, so every cached answer belongs to a committed counter value.
    if (this.sqlite.inTransaction) return this.read(agentId);
    const changes = this.changesQuery.values()[0]![0] as number;
    const now = this.now();
    if (changes !== this.changes || now - this.checkedAt >= FOREIGN_WRITE_BOUND_MS) {
      const epoch = (this.epochQuery.values()[0]?.[0] as number | undefined) ?? -1;
      this.changes = changes;
      this.checkedAt = now;
      if (epoch !== this.epoch) {
        this.byAgent.clear();
        this.epoch = epoch;
      }
    }
    let p = this.byAgent.get(agentId);
    if (!p) {
      p = this.read(agentId);
      // Bounded by the ids callers ask about; a flood of made-up ids must not grow it forever.
      if (this.byAgent.size >= 1024) this.byAgent.clear();
      this.byAgent.set(agentId, p);
    }
    return p;
  }

  private read(agentId: string): AgentPolicy {
    const row = this.policyQuery.get(agentId);
    return { enabled: row?.enabled === 1, installed: row?.installed === 1, approved: new Set(row ? (JSON.parse(row.approved) as string[]) : []) };
  }
}
