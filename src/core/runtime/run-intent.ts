/**
 * An installed agent's desired state, persisted in `installs.run_intent` and
 * `installs.autostart` (migration 0003) so it survives daemon restarts — the
 * container policy `unless-stopped`:
 *
 *   run                 → intent running (autostart as asked, default on)
 *   stop, kill switch   → intent stopped (someone must start it again)
 *   crash, failed       → unchanged (the next daemon start tries again)
 *   daemon stop / crash → unchanged (that is the point)
 *
 * At daemon start every installed and enabled agent whose intent is running
 * with autostart on is started again (runtime/autostart.ts).
 */
import type { Database } from "bun:sqlite";
import type { RunIntent } from "./runtime-status.ts";

export type { RunIntent };

export interface StoredIntent {
  intent: RunIntent;
  /** Start with the daemon while the intent is running. */
  autostart: boolean;
}

/** What an agent without an install row shows: nothing will start it. */
export const NO_INTENT: StoredIntent = Object.freeze({ intent: "stopped", autostart: false });

type Row = { run_intent: string; autostart: number };

export class RunIntents {
  private readonly getQuery;
  private readonly setQuery;
  private readonly candidatesQuery;

  constructor(sqlite: Database) {
    this.getQuery = sqlite.query<Row, [string]>("SELECT run_intent, autostart FROM installs WHERE agent_id = ?");
    this.setQuery = sqlite.query<Row, [string, number, string]>("UPDATE installs SET run_intent = ?, autostart = ? WHERE agent_id = ? RETURNING run_intent, autostart");
    this.candidatesQuery = sqlite.query<{ agent_id: string }, []>(
      "SELECT agent_id FROM installs WHERE state = 'installed' AND enabled = 1 AND run_intent = 'running' AND autostart = 1 ORDER BY agent_id",
    );
  }

  /** The stored intent, or null when the agent is not installed. */
  get(agentId: string): StoredIntent | null {
    const row = this.getQuery.get(agentId);
    return row ? toIntent(row) : null;
  }

  /**
   * Stores the intent; `autostart` unchanged when omitted. Returns what is
   * stored now, or null when there is no install row (nothing to remember).
   */
  set(agentId: string, intent: RunIntent, autostart?: boolean): StoredIntent | null {
    const current = autostart ?? this.get(agentId)?.autostart;
    if (current === undefined) return null;
    const row = this.setQuery.get(intent, current ? 1 : 0, agentId);
    return row ? toIntent(row) : null;
  }

  /** Agents to start at daemon start, in a stable order: installed, enabled, intent running, autostart on. */
  autostartCandidates(): string[] {
    return this.candidatesQuery.all().map((r) => r.agent_id);
  }
}

const toIntent = (row: Row): StoredIntent => ({ intent: row.run_intent === "running" ? "running" : "stopped", autostart: row.autostart === 1 });
