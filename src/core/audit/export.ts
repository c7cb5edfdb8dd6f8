/**
 * `audit export`: rows oldest first as JSON Lines for a SIEM, read in pages by
 * id so memory stays bounded whatever the log's size. Each line carries the
 * row's `hash` and `prev_hash`, so a receiver can re-check the chain on its
 * own: hash = SHA-256 of chain.ts's canonical form, with details_json =
 * JSON.stringify(details). `prev_hash` is null when the previous row was
 * pruned (the checkpoint row's `through_hash` holds it).
 */
import type { Database } from "bun:sqlite";
import type { Actor, Outcome } from "../../db/schema.ts";
import { GENESIS_HASH } from "./chain.ts";

export interface ExportLine {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  agent_id: string | null;
  outcome: Outcome;
  request_id: string | null;
  correlation_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string | null;
  hash: string | null;
}

const PAGE = 1000;

type Row = Omit<ExportLine, "details" | "prev_hash"> & { details_json: string };

/** Pages of lines with `at >= since` (all rows when null), oldest first. */
export function* exportPages(sqlite: Database, since: string | null): Generator<ExportLine[]> {
  const page = sqlite.query<Row, [number, string]>(
    `SELECT id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json, hash FROM audit_events WHERE id > ? AND at >= ? ORDER BY id LIMIT ${PAGE}`,
  );
  const hashOf = sqlite.query<{ hash: string | null }, [number]>("SELECT hash FROM audit_events WHERE id = ?");
  // Start at the first row that is new enough (audit_at index) instead of scanning older ones.
  let after = since ? (sqlite.query<{ id: number | null }, [string]>("SELECT MIN(id) AS id FROM audit_events WHERE at >= ?").get(since)?.id ?? Number.MAX_SAFE_INTEGER) - 1 : 0;
  let prev: string | null | undefined;
  for (;;) {
    const rows = page.all(after, since ?? "");
    if (rows.length === 0) return;
    const lines = rows.map((r): ExportLine => {
      // The first line's predecessor is whatever row precedes it in the table (null: none left).
      const prevHash = prev !== undefined && r.id === after + 1 ? prev : r.id === 1 ? GENESIS_HASH : (hashOf.get(r.id - 1)?.hash ?? null);
      prev = r.hash;
      after = r.id;
      return {
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        agent_id: r.agent_id,
        outcome: r.outcome,
        request_id: r.request_id,
        correlation_id: r.correlation_id,
        details: parseDetails(r.details_json),
        prev_hash: prevHash,
        hash: r.hash,
      };
    });
    yield lines;
    if (rows.length < PAGE) return;
  }
}

function parseDetails(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return { unreadable: true };
  }
}

/** The JSONL text of one page. */
export function toJsonl(lines: ExportLine[]): string {
  let s = "";
  for (const l of lines) s += `${JSON.stringify(l)}\n`;
  return s;
}
