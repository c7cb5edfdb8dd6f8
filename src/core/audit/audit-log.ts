import type { Database, Statement } from "bun:sqlite";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../db/open.ts";
import { type Actor, auditEvents, type Outcome } from "../../db/schema.ts";
import type { Clock } from "../clock.ts";
import { redactValue } from "../redact.ts";

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
 * Append-only audit trail. Details are redacted before they are stored; the
 * table itself refuses UPDATE and DELETE (see migration triggers).
 */
export class AuditLog {
  /** Prepared once: every tool call writes an event, so this is on the hot path. */
  private readonly insert: Statement<{ id: number }, [string, Actor, string, string | null, Outcome, string | null, string | null, string]>;

  constructor(
    private readonly sqlite: Database,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onRecord?: (e: AuditEvent) => void,
  ) {
    this.insert = sqlite.query(
      "INSERT INTO audit_events (at, actor, action, agent_id, outcome, request_id, correlation_id, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    );
  }

  /** Events queued by `recordSoon`, written by the next `flush`. */
  private pending: AuditInput[] = [];
  private flushScheduled = false;

  /**
   * For high-volume events (one per tool call): queued and written together in
   * one transaction right after the current turn of the event loop, so the
   * caller's result is not held up by the write and bursts share one commit.
   * Queries and shutdown flush first; a hard kill of the daemon can lose at
   * most the events of the current event-loop turn.
   */
  recordSoon(input: AuditInput): void {
    this.pending.push(input);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes queued events now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const events = this.sqlite.transaction(() => batch.map((e) => this.write(e)))();
    for (const ev of events) this.onRecord?.(ev);
  }

  record(input: AuditInput): AuditEvent {
    this.flush(); // keep ids in the order events happened
    const ev = this.write(input);
    this.onRecord?.(ev);
    return ev;
  }

  private write(input: AuditInput): AuditEvent {
    let details = (redactValue(input.details ?? {}) ?? {}) as Record<string, unknown>;
    let json = JSON.stringify(details);
    if (json.length > MAX_DETAILS_BYTES) {
      details = { truncated: true, preview: json.slice(0, 1024) };
      json = JSON.stringify(details);
    }
    const at = this.clock.iso();
    const agentId = input.agentId ?? null;
    const requestId = input.requestId ?? null;
    const correlationId = input.correlationId ?? null;
    const { id } = this.insert.get(at, input.actor, input.action, agentId, input.outcome, requestId, correlationId, json)!;
    return { id, at, actor: input.actor, action: input.action, agentId, outcome: input.outcome, requestId, correlationId, details };
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
