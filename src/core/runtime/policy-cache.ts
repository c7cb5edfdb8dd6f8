/**
 * What the router asks on every tool call — is the agent installed, enabled,
 * and which permissions are approved — cached per agent (issue 13: the query
 * behind it was the largest single cost in a daemon profile of tool calls).
 *
 * Freshness does not depend on anyone remembering to invalidate: triggers
 * bump `policy_epoch.n` on every write to `installs` or `approvals`
 * (migration 0011), by any connection, and each lookup reads that one
 * counter first; a different value drops the whole cache. A revoke or disable
 * therefore applies to the very next call, as before.
 */
import type { Database } from "bun:sqlite";
import type { AgentPolicy } from "./router.ts";

export class PolicyCache {
  private readonly sqlite: Database;
  private readonly epochQuery;
  private readonly policyQuery;
  private epoch = -1;
  private readonly byAgent = new Map<string, AgentPolicy>();

  constructor(sqlite: Database) {
    this.sqlite = sqlite;
    this.epochQuery = sqlite.query<unknown, []>("SELECT n FROM policy_epoch WHERE id = 1");
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
    const epoch = (this.epochQuery.values()[0]?.[0] as number | undefined) ?? -1;
    if (epoch !== this.epoch) {
      this.byAgent.clear();
      this.epoch = epoch;
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
