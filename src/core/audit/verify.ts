/**
 * Walks the audit hash chain (chain.ts) and names the first row that breaks
 * it: edited, inserted, missing (deleted in the middle or at the end), or
 * pruned without a checkpoint. Reads in pages, so memory stays bounded.
 */
import { Database } from "bun:sqlite";
import { type ChainRow, CHECKPOINT_ACTION, GENESIS_HASH, rowHash } from "./chain.ts";

export interface ChainProblem {
  /** The first row that does not verify (for rows missing at the end: the first missing id). */
  rowId: number;
  message: string;
}

export interface ChainReport {
  ok: boolean;
  /** Rows whose hashes were recomputed. */
  checked: number;
  firstId: number | null;
  lastId: number | null;
  /** The newest row's hash: anchor it elsewhere (a SIEM, a ticket) to detect a rewritten chain. */
  headHash: string | null;
  /** Where the walk started: row 1, a retention checkpoint, or (tail mode) the stored hash before the tail. */
  from: "genesis" | "checkpoint" | "tail" | "empty";
  problem: ChainProblem | null;
  durationMs: number;
}

const PAGE = 5000;
type Row = ChainRow & { hash: string | null };

/**
 * `tailRows` set: checks only the newest rows, trusting the stored hash of the
 * row before them (the daemon's bounded start check); else the whole chain.
 */
export function verifyChain(sqlite: Database, opts: { tailRows?: number } = {}): ChainReport {
  const walk = walkChain(sqlite, opts);
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}

/**
 * The same walk for a running daemon: on its own read-only connection inside
 * one read transaction (a WAL snapshot, so rows appended or pruned meanwhile
 * do not disturb it), yielding to the event loop after every page so tool
 * calls are not held up by a long walk.
 */
export async function verifyChainSnapshot(path: string, opts: { tailRows?: number } = {}): Promise<ChainReport> {
  const db = new Database(path, { readonly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("BEGIN");
    const walk = walkChain(db, opts);
    for (;;) {
      const step = walk.next();
      if (step.done) return step.value;
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    db.close();
  }
}

/** Yields after each page of rows; returns the report. */
function* walkChain(sqlite: Database, opts: { tailRows?: number }): Generator<void, ChainReport> {
  const t0 = performance.now();
  const ends = sqlite.query<{ first: number | null; last: number | null }, []>("SELECT MIN(id) AS first, MAX(id) AS last FROM audit_events").get();
  const seq = sqlite.query<{ seq: number }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'").get()?.seq ?? 0;
  const report = (r: Omit<ChainReport, "durationMs">): ChainReport => ({ ...r, durationMs: Math.round((performance.now() - t0) * 10) / 10 });
  if (!ends?.first || !ends.last) {
    const problem = seq > 0 ? { rowId: 1, message: `rows 1-${seq} are missing: the log is empty but ids up to ${seq} were issued` } : null;
    return report({ ok: !problem, checked: 0, firstId: null, lastId: null, headHash: null, from: "empty", problem });
  }
  const { first, last } = ends;
  let start = first;
  let prev: string;
  let from: ChainReport["from"] = "genesis";
  if (opts.tailRows !== undefined && last - opts.tailRows + 1 > first) {
    start = last - opts.tailRows + 1;
    from = "tail";
    const before = sqlite.query<{ hash: string | null }, [number]>("SELECT hash FROM audit_events WHERE id = ?").get(start - 1);
    if (!before) return report({ ok: false, checked: 0, firstId: first, lastId: last, headHash: null, from, problem: { rowId: start - 1, message: `row ${start - 1} is missing (deleted)` } });
    prev = before.hash ?? "";
  } else if (first === 1) prev = GENESIS_HASH;
  else {
    from = "checkpoint";
    const cp = sqlite
      .query<{ id: number; through_hash: string | null }, [string, number]>(
        "SELECT id, json_extract(details_json, '$.through_hash') AS through_hash FROM audit_events WHERE action = ? AND actor = 'system' AND json_extract(details_json, '$.through_id') = ? ORDER BY id DESC LIMIT 1",
      )
      .get(CHECKPOINT_ACTION, first - 1);
    if (!cp || typeof cp.through_hash !== "string") {
      const missing = first === 2 ? "row 1 is" : `rows 1-${first - 1} are`;
      return report({ ok: false, checked: 0, firstId: first, lastId: last, headHash: null, from, problem: { rowId: first - 1, message: `${missing} missing (deleted) and no checkpoint row covers them` } });
    }
    prev = cp.through_hash;
  }

  const page = sqlite.query<Row, [number, number]>(
    `SELECT id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json, hash FROM audit_events WHERE id >= ? AND id <= ? ORDER BY id LIMIT ${PAGE}`,
  );
  let expected = start;
  let checked = 0;
  for (;;) {
    const rows = page.all(expected, last);
    for (const r of rows) {
      if (r.id !== expected) {
        const missing = r.id === expected + 1 ? `row ${expected} is` : `rows ${expected}-${r.id - 1} are`;
        return report({ ok: false, checked, firstId: first, lastId: last, headHash: null, from, problem: { rowId: expected, message: `${missing} missing (deleted) before row ${r.id}` } });
      }
      if (r.hash === null) {
        return report({ ok: false, checked, firstId: first, lastId: last, headHash: null, from, problem: { rowId: r.id, message: `row ${r.id} has no hash (inserted outside opensentience)` } });
      }
      if (rowHash(r, prev) !== r.hash) {
        return report({ ok: false, checked, firstId: first, lastId: last, headHash: null, from, problem: { rowId: r.id, message: `row ${r.id} does not match its hash (edited, or inserted outside opensentience)` } });
      }
      prev = r.hash;
      expected++;
      checked++;
    }
    if (rows.length < PAGE || expected > last) break;
    yield;
  }
  if (seq > last) {
    const missing = seq === last + 1 ? `row ${seq} is` : `rows ${last + 1}-${seq} are`;
    return report({ ok: false, checked, firstId: first, lastId: last, headHash: prev, from, problem: { rowId: last + 1, message: `${missing} missing (deleted) at the end of the log` } });
  }
  return report({ ok: true, checked, firstId: first, lastId: last, headHash: prev, from, problem: null });
}
