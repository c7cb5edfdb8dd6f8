import type { Database, SQLQueryBindings, Statement } from "bun:sqlite";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../db/open.ts";
import { type Actor, auditEvents, type Outcome } from "../../db/schema.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import { redactValue } from "../redact.ts";
import { type ExportLine, exportPages } from "./export.ts";
import { type ChainReport, verifyChain, verifyChainSnapshot } from "./verify.ts";
import { type ChainRow, CHECKPOINT_ACTION, type CheckpointDetails, GENESIS_HASH, rowHash } from "./chain.ts";

export interface AuditInput {
  actor: Actor;
  action: string;
  outcome: Outcome;
  agentId?: string | null;
  requestId?: string | null;
  correlationId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  agentId: string | null;
  outcome: Outcome;
  requestId: string | null;
  correlationId: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  agentId?: string;
  action?: string;
  /** ISO timestamp or relative (`15m`, `2h`, `7d`) — parsed by the adapter via `parseSince`. */
  since?: string;
  correlationId?: string;
  /** Only events with an id below this (pagination). */
  beforeId?: number;
  limit?: number;
}

const MAX_DETAILS_BYTES = 16_384;

/**
 * Queued per-call events are committed at most this long after they were
 * recorded (the promise in docs/audit-log.md is 50 ms, which leaves room for a
 * busy event loop): a daemon killed with SIGKILL loses at most that window.
 */
export const AUDIT_BATCH_WINDOW_MS = 20;
/** A burst this large is written at once instead of waiting for the window. */
const MAX_PENDING = 256;

const ROWS_PER_INSERT = 4;
/** Values bound per row: the columns of `insert`. */
const COLUMNS = 10;

type InsertArgs = [number, string, Actor, string, string | null, Outcome, string | null, string | null, string, string];

/**
 * Append-only, hash-chained audit trail (src/core/audit/chain.ts). Details are
 * redacted before they are stored; the table refuses UPDATE, and DELETE of any
 * row no checkpoint covers (migration 0007).
 */
export class AuditLog {
  /** Prepared once: every tool call writes an event, so these are on the hot path. */
  private readonly insert: Statement<unknown, InsertArgs>;
  /** ROWS_PER_INSERT rows per statement for batches: one bind-step-reset for several rows (~25 % less CPU per row). */
  private readonly insertMany: Statement<unknown, SQLQueryBindings[]>;
  private readonly tail: Statement<{ id: number; hash: string | null }, []>;
  private readonly seq: Statement<{ seq: number }, []>;
  private readonly batchWindowMs: number;

  constructor(
    private readonly sqlite: Database,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onRecord?: (e: AuditEvent) => void,
    opts: { batchWindowMs?: number } = {},
  ) {
    const columns = "INSERT INTO audit_events (id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json, hash) VALUES ";
    const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.insert = sqlite.query(columns + row);
    this.insertMany = sqlite.query(columns + Array(ROWS_PER_INSERT).fill(row).join(", "));
    this.tail = sqlite.query("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1");
    this.seq = sqlite.query("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'");
    this.batchWindowMs = opts.batchWindowMs ?? AUDIT_BATCH_WINDOW_MS;
  }

  /** Events queued by `recordSoon`, written by the next `flush`. */
  private pending: Array<{ input: AuditInput; at: string }> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * For high-volume events (one per tool call): queued and committed together
   * in one transaction within AUDIT_BATCH_WINDOW_MS, so the caller's result is
   * not held up by the write and bursts share one commit. The time is taken
   * now; the chain is hashed in the order events were recorded. Queries,
   * `record` and shutdown flush first.
   */
  recordSoon(input: AuditInput): void {
    if (input.action === CHECKPOINT_ACTION) throw new AppError("forbidden", `${CHECKPOINT_ACTION} rows are written only by retention`);
    const now = performance.now();
    if (this.pending.length === 0) this.pendingSince = now;
    this.pending.push({ input, at: this.clock.iso() });
    // The timer covers a quiet daemon; under a steady stream of calls the event loop can run it late
    // (measured: up to ~190 ms on a loaded box), so a call that finds the window over commits it.
    if (this.pending.length >= MAX_PENDING || now - this.pendingSince >= this.batchWindowMs) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.batchWindowMs);
  }

  private pendingSince = 0;

  /** Writes queued events now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const events = this.writeAll(batch);
    for (const ev of events) this.onRecord?.(ev);
  }

  record(input: AuditInput): AuditEvent {
    // Checkpoint rows license deletes (migration 0007's trigger): only pruneStep writes them.
    if (input.action === CHECKPOINT_ACTION) throw new AppError("forbidden", `${CHECKPOINT_ACTION} rows are written only by retention`);
    this.flush(); // keep ids in the order events happened
    const ev = this.writeAll([{ input, at: this.clock.iso() }])[0]!;
    this.onRecord?.(ev);
    return ev;
  }

  /**
   * Appends rows in one IMMEDIATE transaction: the chain's tail is read inside
   * it, so two processes writing at once still chain in commit order. Ids are
   * given explicitly (what AUTOINCREMENT would pick: past both the newest row
   * and the highest id ever used), so each row's hash can cover its id.
   */
  private writeAll(items: Array<{ input: AuditInput; at: string; trusted?: boolean }>): AuditEvent[] {
    return this.sqlite
      .transaction(() => {
        const tail = this.tail.get();
        let id = Math.max(tail?.id ?? 0, this.seq.get()?.seq ?? 0);
        let prev = tail ? (tail.hash ?? "") : GENESIS_HASH;
        const events: AuditEvent[] = [];
        // Bound values of the rows not yet inserted, ROWS_PER_INSERT at a time (in chain order, as ids go up).
        let args: SQLQueryBindings[] = [];
        for (const { input, at, trusted } of items) {
          const ev = toStored(input, at, ++id, trusted);
          prev = rowHash(chainRow(ev.event, ev.detailsJson), prev);
          const e = ev.event;
          args.push(e.id, e.at, e.actor, e.action, e.agentId, e.outcome, e.requestId, e.correlationId, ev.detailsJson, prev);
          if (args.length === ROWS_PER_INSERT * COLUMNS) {
            this.insertMany.run(...args);
            args = [];
          }
          events.push(e);
        }
        for (let i = 0; i < args.length; i += COLUMNS) this.insert.run(...(args.slice(i, i + COLUMNS) as InsertArgs));
        return events;
      })
      .immediate();
  }

  /** Walks the hash chain (all of it, or the newest `tailRows`); see verify.ts. */
  verify(opts: { tailRows?: number } = {}): ChainReport {
    this.flush();
    return verifyChain(this.sqlite, opts);
  }

  /** `verify` for the daemon: a snapshot on a separate connection, yielding between pages (verify.ts). */
  async verifySnapshot(opts: { tailRows?: number } = {}): Promise<ChainReport> {
    this.flush();
    return verifyChainSnapshot(this.sqlite.filename, opts);
  }

  /** Pages of JSONL-ready rows with `at >= since`, oldest first (export.ts). */
  exportPages(since: string | null): Generator<ExportLine[]> {
    this.flush();
    return exportPages(this.sqlite, since);
  }

  /** Rows in the log (ids are contiguous, so this is cheap). */
  rowCount(): number {
    this.flush();
    const e = this.sqlite.query<{ first: number | null; last: number | null }, []>("SELECT MIN(id) AS first, MAX(id) AS last FROM audit_events").get();
    return e?.first && e.last ? e.last - e.first + 1 : 0;
  }

  /**
   * One retention step: deletes up to `batch` of the oldest rows that are
   * older than `cutoff` or beyond the newest `keepRows`, behind a checkpoint
   * row appended first in the same transaction (it counts as a kept row).
   * Returns how many rows went (0: nothing to do).
   */
  pruneStep(policy: { cutoff: string | null; keepRows: number | null; batch: number }): number {
    this.flush();
    const r = this.sqlite
      .transaction(() => {
        const ends = this.sqlite.query<{ first: number | null; last: number | null }, []>("SELECT MIN(id) AS first, MAX(id) AS last FROM audit_events").get();
        if (!ends?.first || !ends.last) return null;
        const { first, last } = ends;
        let through = first - 1;
        let reason: CheckpointDetails["reason"] = "age";
        if (policy.cutoff) {
          const old = this.sqlite
            .query<{ id: number; at: string }, [number, number]>("SELECT id, at FROM audit_events WHERE id >= ? ORDER BY id LIMIT ?")
            .all(first, policy.batch);
          for (const row of old) {
            if (row.at >= policy.cutoff || row.id >= last) break;
            through = row.id;
          }
        }
        const count = last - first + 1;
        if (policy.keepRows !== null && count > policy.keepRows) {
          const bySize = first - 1 + Math.min(count + 1 - Math.max(policy.keepRows, 1), policy.batch, count - 1);
          if (bySize > through) {
            through = bySize;
            reason = "size";
          }
        }
        if (through < first) return null;
        const throughHash = this.sqlite.query<{ hash: string | null }, [number]>("SELECT hash FROM audit_events WHERE id = ?").get(through)?.hash ?? "";
        const details: CheckpointDetails = { through_id: through, through_hash: throughHash, pruned: through - first + 1, reason };
        // Not redacted: a hash is what the redactor is built to mask, and these details are ours.
        const [ev] = this.writeAll([{ input: { actor: "system", action: CHECKPOINT_ACTION, outcome: "ok", details: { ...details } }, at: this.clock.iso(), trusted: true }]);
        this.sqlite.query("DELETE FROM audit_events WHERE id <= ?").run(through);
        return { ev: ev!, pruned: details.pruned };
      })
      .immediate();
    if (!r) return 0;
    this.onRecord?.(r.ev);
    return r.pruned;
  }

  query(f: AuditFilter = {}): AuditEvent[] {
    this.flush();
    const where: SQL[] = [];
    if (f.agentId) where.push(eq(auditEvents.agentId, f.agentId));
    if (f.action) where.push(eq(auditEvents.action, f.action));
    if (f.since) where.push(gte(auditEvents.at, f.since));
    if (f.correlationId) where.push(eq(auditEvents.correlationId, f.correlationId));
    if (f.beforeId) where.push(lt(auditEvents.id, f.beforeId));
    const limit = Math.min(Math.max(f.limit ?? 100, 1), 10_000);
    return this.db
      .select()
      .from(auditEvents)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditEvents.id))
      .limit(limit)
      .all()
      .map(toEvent);
  }
}

function toStored(input: AuditInput, at: string, id: number, trusted = false): { event: AuditEvent; detailsJson: string } {
  let details = (trusted ? (input.details ?? {}) : (redactValue(input.details ?? {}) ?? {})) as Record<string, unknown>;
  let json = JSON.stringify(details);
  if (json.length > MAX_DETAILS_BYTES) {
    details = { truncated: true, preview: json.slice(0, 1024) };
    json = JSON.stringify(details);
  }
  const event: AuditEvent = {
    id,
    at,
    actor: input.actor,
    action: input.action,
    agentId: input.agentId ?? null,
    outcome: input.outcome,
    requestId: input.requestId ?? null,
    correlationId: input.correlationId ?? null,
    details,
  };
  return { event, detailsJson: json };
}

function chainRow(e: AuditEvent, detailsJson: string): ChainRow {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, agent_id: e.agentId, outcome: e.outcome, request_id: e.requestId, correlation_id: e.correlationId, details_json: detailsJson };
}

function toEvent(r: typeof auditEvents.$inferSelect): AuditEvent {
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(r.detailsJson) as Record<string, unknown>;
  } catch {
    details = { unreadable: true };
  }
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    agentId: r.agentId,
    outcome: r.outcome,
    requestId: r.requestId,
    correlationId: r.correlationId,
    details,
  };
}

/** Parses `--since`: an ISO date/time, or a relative age like `30s`, `15m`, `2h`, `7d`. */
export function parseSince(s: string, now: number): string | null {
  const rel = /^(\d{1,9})([smhd])$/.exec(s.trim());
  if (rel) {
    const mult = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(rel[1]) * mult).toISOString();
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
