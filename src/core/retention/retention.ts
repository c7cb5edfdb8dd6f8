/**
 * Bounded storage: prunes what the daemon keeps — audit rows (behind chain
 * checkpoints), chat history, rotated agent logs, and whatever other owners
 * register (the metrics rollups) — by age and by size, in small transactions
 * on a timer, yielding to the event loop between batches so tool calls are
 * never held behind a long delete. Defaults: config `retention` (schema.ts).
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import type { Retention as RetentionSettings } from "../config/schema.ts";

/**
 * One kind of stored data. `plan` is called once per run; the step it returns
 * removes at most `batch` items per call and returns how many (0: done).
 */
export interface PruneTask {
  name: string;
  plan(ctx: { now: number; batch: number }): (() => number) | null;
}

const DAY_MS = 86_400_000;
/** A run stops a task after this many batches (the next run goes on): one run never takes over the daemon. */
const MAX_STEPS_PER_RUN = 1000;

export interface RetentionDeps {
  sqlite: Database;
  audit: AuditLog;
  clock: Clock;
  settings: RetentionSettings;
  /** logs/agents: rotated `<id>.log.N` files live here. */
  agentLogsDir: string;
}

export class RetentionService {
  private readonly tasks: PruneTask[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<Record<string, number>> | null = null;

  constructor(private readonly deps: RetentionDeps) {
    this.register(auditTask(deps));
    this.register(chatTask(deps));
    this.register(agentLogTask(deps));
  }

  /** Adds a task (e.g. the metrics rollups' pruning); it runs after the built-in ones. */
  register(task: PruneTask): void {
    this.tasks.push(task);
  }

  /** One pass over every task; concurrent callers share the pass in flight. Returns what each task removed. */
  runOnce(): Promise<Record<string, number>> {
    return (this.running ??= this.pass().finally(() => (this.running = null)));
  }

  private async pass(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    const batch = this.deps.settings.prune_batch_rows;
    for (const task of this.tasks) {
      let total = 0;
      try {
        const step = task.plan({ now: this.deps.clock.now(), batch });
        for (let i = 0; step && i < MAX_STEPS_PER_RUN; i++) {
          const n = step();
          if (n <= 0) break;
          total += n;
          await new Promise((r) => setTimeout(r, 0)); // let tool calls in between batches
        }
      } catch (e) {
        this.deps.audit.record({ actor: "system", action: "retention.prune", outcome: "error", details: { task: task.name, removed: total, error: (e as Error).message } });
      }
      removed[task.name] = total;
    }
    // Audit rows leave their own checkpoint rows; everything else is summed up here.
    const other = Object.entries(removed).filter(([k, n]) => k !== "audit" && n > 0);
    if (other.length) this.deps.audit.record({ actor: "system", action: "retention.prune", outcome: "ok", details: Object.fromEntries(other) });
    return removed;
  }

  /** Prunes every `prune_interval_minutes`, the first time `firstDelayMs` after start. */
  start(firstDelayMs = 30_000): void {
    if (this.timer) return;
    const every = this.deps.settings.prune_interval_minutes * 60_000;
    const first = setTimeout(() => void this.runOnce(), firstDelayMs);
    first.unref?.();
    this.timer = setInterval(() => void this.runOnce(), every);
    this.timer.unref?.();
    this.stopFirst = () => clearTimeout(first);
  }

  private stopFirst: () => void = () => {};

  /** Stops the timer and waits for a pass in flight (its current batch is one transaction). */
  async stop(): Promise<void> {
    this.stopFirst();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}

function auditTask(d: RetentionDeps): PruneTask {
  return {
    name: "audit",
    plan({ now, batch }) {
      const { audit_max_age_days: days, audit_max_rows: maxRows } = d.settings;
      const cutoff = days > 0 ? new Date(now - days * DAY_MS).toISOString() : null;
      // Over the cap: down to 90% of it, so the log is not pruned one row per new row.
      const keepRows = maxRows > 0 && d.audit.rowCount() > maxRows ? Math.floor(maxRows * 0.9) : null;
      if (!cutoff && keepRows === null) return null;
      return () => d.audit.pruneStep({ cutoff, keepRows, batch });
    },
  };
}

function chatTask(d: RetentionDeps): PruneTask {
  return {
    name: "chat",
    plan({ now, batch }) {
      const { chat_max_age_days: days, chat_max_messages: max } = d.settings;
      const cutoff = days > 0 ? new Date(now - days * DAY_MS).toISOString() : null;
      const oldSessions = d.sqlite.query<unknown, [string, number]>("DELETE FROM chat_sessions WHERE id IN (SELECT id FROM chat_sessions WHERE updated_at < ? LIMIT ?)");
      const count = d.sqlite.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM chat_messages");
      const oldest = d.sqlite.query<unknown, [number]>("DELETE FROM chat_messages WHERE rowid IN (SELECT rowid FROM chat_messages ORDER BY rowid LIMIT ?)");
      return () => {
        // Sessions first (their messages go with them: ON DELETE CASCADE), then the message cap.
        if (cutoff) {
          const n = oldSessions.run(cutoff, Math.max(1, Math.floor(batch / 10))).changes;
          if (n > 0) return n;
        }
        if (max > 0) {
          const excess = count.get()!.n - max;
          if (excess > 0) return oldest.run(Math.min(excess, batch)).changes;
        }
        return 0;
      };
    },
  };
}

/** Rotated files beyond `agent_log_files` or older than `agent_log_max_age_days`; the live `<id>.log` is never touched. */
function agentLogTask(d: RetentionDeps): PruneTask {
  return {
    name: "agent_logs",
    plan({ now, batch }) {
      let names: string[];
      try {
        names = readdirSync(d.agentLogsDir);
      } catch {
        return null; // no agent has logged yet
      }
      const { agent_log_files: keep, agent_log_max_age_days: days } = d.settings;
      const doomed: string[] = [];
      for (const name of names) {
        const m = /\.log\.(\d+)$/.exec(name);
        if (!m) continue;
        const path = join(d.agentLogsDir, name);
        if (Number(m[1]) > keep) doomed.push(path);
        else if (days > 0) {
          try {
            if (now - statSync(path).mtimeMs > days * DAY_MS) doomed.push(path);
          } catch {
            // gone meanwhile
          }
        }
      }
      return () => {
        const chunk = doomed.splice(0, batch);
        for (const p of chunk) rmSync(p, { force: true });
        return chunk.length;
      };
    },
  };
}
