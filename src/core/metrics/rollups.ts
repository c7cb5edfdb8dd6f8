/**
 * Per-minute rollups of tool calls in SQLite (migration 0008): one row per
 * (agent, tool, minute) with the calls by outcome, the duration sum and one
 * column per latency bucket, so windows ("last hour", everything retained)
 * are sums SQLite computes, and percentiles survive a daemon restart. Rows
 * older than the retention are deleted in small batches.
 */
import type { Database } from "bun:sqlite";
import { BUCKET_COUNT } from "./histogram.ts";
import { OUTCOMES, type ToolSeries } from "./series.ts";

const BUCKET_COLS = Array.from({ length: BUCKET_COUNT }, (_, i) => `b${i}`);
const COUNT_COLS = [...OUTCOMES, "duration_sum_ms", ...BUCKET_COLS];

/** Summed counters of one tool over a window. */
export interface RollupSum {
  agentId: string;
  tool: string;
  outcomes: number[];
  sumMs: number;
  buckets: number[];
}

export interface RollupMinute extends RollupSum {
  minute: number;
}

type Row = Record<string, number | string>;

function toSum(r: Row): RollupSum {
  return {
    agentId: r.agent_id as string,
    tool: r.tool as string,
    outcomes: OUTCOMES.map((o) => Number(r[o] ?? 0)),
    sumMs: Number(r.duration_sum_ms ?? 0),
    buckets: BUCKET_COLS.map((b) => Number(r[b] ?? 0)),
  };
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

export class RollupStore {
  private q: ReturnType<typeof prepare> | null = null;

  constructor(private readonly sqlite: Database) {}

  /** Prepared on first use: CLI commands that never touch metrics pay nothing. */
  private get s(): ReturnType<typeof prepare> {
    return (this.q ??= prepare(this.sqlite));
  }

  /** Adds the pending deltas of these series to their rows of `minute`, in one transaction, and clears them. */
  write(minute: number, series: Iterable<ToolSeries>): number {
    const dirty = [...series].filter((s) => s.pending);
    if (dirty.length === 0) return 0;
    let n = 0;
    this.sqlite.transaction(() => {
      for (const s of dirty) {
        this.s.upsert.run(minute, s.agentId, s.tool, ...s.pendingOutcomes, s.pendingSumMs, ...s.pendingBuckets);
        s.clearPending();
        n++;
      }
    })();
    return n;
  }

  /** Sums per tool of the rows from `fromMinute` on (every agent, or one). */
  sums(fromMinute: number, agentId?: string): RollupSum[] {
    return (agentId === undefined ? this.s.sumSince.all(fromMinute) : this.s.sumSinceAgent.all(fromMinute, agentId)).map(toSum);
  }

  /** The rows of one agent from `fromMinute` on, by tool then minute (the UI's latency chart). */
  minutes(fromMinute: number, agentId: string): RollupMinute[] {
    return this.s.minutesSinceAgent.all(fromMinute, agentId).map((r) => ({ ...toSum(r), minute: Number(r.minute) }));
  }

  /** Deletes rows before `beforeMinute`, `batch` at a time (so no write holds the catalog long); the number deleted. */
  prune(beforeMinute: number, batch = 2000, maxBatches = 50): number {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const { changes } = this.s.pruneBatch.run(beforeMinute, batch) as { changes: number };
      total += changes;
      if (changes < batch) break;
    }
    return total;
  }
}

function prepare(sqlite: Database) {
  const cols = ["minute", "agent_id", "tool", ...COUNT_COLS];
  const sums = COUNT_COLS.map((c) => `SUM(${c}) AS ${c}`).join(", ");
  return {
    upsert: sqlite.query<unknown, number[] | [number, string, string, ...number[]]>(
      `INSERT INTO tool_call_rollups (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})
       ON CONFLICT (agent_id, tool, minute) DO UPDATE SET ${COUNT_COLS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`,
    ),
    sumSince: sqlite.query<Row, [number]>(`SELECT agent_id, tool, ${sums} FROM tool_call_rollups WHERE minute >= ? GROUP BY agent_id, tool ORDER BY agent_id, tool`),
    sumSinceAgent: sqlite.query<Row, [number, string]>(`SELECT agent_id, tool, ${sums} FROM tool_call_rollups WHERE minute >= ? AND agent_id = ? GROUP BY tool ORDER BY tool`),
    minutesSinceAgent: sqlite.query<Row, [number, string]>(`SELECT minute, agent_id, tool, ${COUNT_COLS.join(", ")} FROM tool_call_rollups WHERE minute >= ? AND agent_id = ? ORDER BY tool, minute`),
    pruneBatch: sqlite.query<unknown, [number, number]>("DELETE FROM tool_call_rollups WHERE rowid IN (SELECT rowid FROM tool_call_rollups WHERE minute < ? LIMIT ?)"),
  };
}
