/**
 * The hash chain on a real catalog: written rows verify; each kind of
 * tampering done directly in SQLite is named at the first bad row; retention
 * pruning (checkpoint + delete) keeps the chain verifiable; only the pruning
 * path may delete; the export re-verifies on its own; legacy rows are
 * backfilled by migration 0007.
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../../../test/helpers/binary.ts";
import { tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { MIGRATIONS } from "../../db/migrations.ts";
import { openDb } from "../../db/open.ts";
import type { Clock } from "../clock.ts";
import { AuditLog } from "./audit-log.ts";
import { CHECKPOINT_ACTION, GENESIS_HASH, rowHash } from "./chain.ts";
import { exportPages } from "./export.ts";
import { verifyChain } from "./verify.ts";

let dir: string;
let now = Date.parse("2026-03-01T00:00:00Z");
const clock: Clock = { now: () => now, iso: () => new Date(now).toISOString() };
let store: ReturnType<typeof openDb>;
let audit: AuditLog;

beforeEach(() => {
  now = Date.parse("2026-03-01T00:00:00Z");
  dir = tempDir();
  store = openDb(join(dir, "catalog.db"));
  audit = new AuditLog(store.sqlite, store.db, clock);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeRows(n: number): void {
  for (let i = 0; i < n; i++) {
    audit.record({ actor: "cli", action: `a.${i}`, outcome: "ok", details: { i, s: "é\u2028\"x\"" } });
    now += 60_000;
  }
}

/** Tampering the way an attacker with the file would: triggers dropped first. */
function raw(sql: string): void {
  store.sqlite.exec("DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;");
  store.sqlite.exec(sql);
}

describe("audit hash chain", () => {
  test("an untouched log verifies from genesis; the head is the last row's hash", () => {
    writeRows(12);
    const r = verifyChain(store.sqlite);
    expect(r).toMatchObject({ ok: true, checked: 12, firstId: 1, lastId: 12, from: "genesis", problem: null });
    const last = store.sqlite.query<{ hash: string }, []>("SELECT hash FROM audit_events WHERE id = 12").get()!;
    expect(r.headHash).toBe(last.hash);
  });

  test("batches of every size (several rows per INSERT statement, and the rest one by one) chain in recording order", () => {
    let n = 0;
    for (const size of [1, 2, 3, 4, 5, 7, 8, 9, 13]) {
      for (let i = 0; i < size; i++) audit.recordSoon({ actor: "cli", action: `batch.${size}.${i}`, outcome: "ok", details: { n: n++ } });
      audit.flush();
    }
    const r = verifyChain(store.sqlite);
    expect(r).toMatchObject({ ok: true, checked: n, firstId: 1, lastId: n, problem: null });
    const rows = store.sqlite.query<{ id: number; details_json: string }, []>("SELECT id, details_json FROM audit_events ORDER BY id").all();
    expect(rows.map((r) => JSON.parse(r.details_json).n)).toEqual([...Array(n).keys()]);
    expect(rows.map((r) => r.id)).toEqual([...Array(n).keys()].map((i) => i + 1));
  });

  test("an edited row is named", () => {
    writeRows(10);
    raw("UPDATE audit_events SET outcome = 'error' WHERE id = 6");
    expect(verifyChain(store.sqlite).problem).toEqual({ rowId: 6, message: "row 6 does not match its hash (edited, or inserted outside opensentience)" });
  });

  test("an edit whose own hash was recomputed is caught at the next row", () => {
    writeRows(10);
    const r4 = store.sqlite.query<{ hash: string }, []>("SELECT hash FROM audit_events WHERE id = 4").get()!;
    const row5 = store.sqlite.query<any, []>("SELECT * FROM audit_events WHERE id = 5").get();
    const forged = rowHash({ ...row5, action: "forged" }, r4.hash);
    raw(`UPDATE audit_events SET action = 'forged', hash = '${forged}' WHERE id = 5`);
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(6);
  });

  test("a deleted row in the middle, rows at the end and rows at the start are named as missing", () => {
    writeRows(10);
    raw("DELETE FROM audit_events WHERE id = 4");
    expect(verifyChain(store.sqlite).problem).toEqual({ rowId: 4, message: "row 4 is missing (deleted) before row 5" });
    raw("DELETE FROM audit_events WHERE id >= 9");
    // The middle gap still comes first.
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(4);
  });

  test("rows deleted at the end are named (the id counter went further)", () => {
    writeRows(10);
    raw("DELETE FROM audit_events WHERE id >= 9");
    expect(verifyChain(store.sqlite).problem).toEqual({ rowId: 9, message: "rows 9-10 are missing (deleted) at the end of the log" });
    // A new row written after that does not hide the gap.
    writeRows(1);
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(9);
  });

  test("rows deleted at the start without a checkpoint are named", () => {
    writeRows(10);
    raw("DELETE FROM audit_events WHERE id <= 3");
    expect(verifyChain(store.sqlite).problem).toEqual({ rowId: 3, message: "rows 1-3 are missing (deleted) and no checkpoint row covers them" });
  });

  test("an inserted row is named", () => {
    writeRows(5);
    raw("INSERT INTO audit_events (at, actor, action, outcome, details_json) VALUES ('2026-03-01T00:00:30.000Z', 'cli', 'x', 'ok', '{}')");
    expect(verifyChain(store.sqlite).problem).toEqual({ rowId: 6, message: "row 6 has no hash (inserted outside opensentience)" });
    raw(`UPDATE audit_events SET hash = '${"ab".repeat(32)}' WHERE id = 6`);
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(6);
  });

  test("the tail check reads only the newest rows and still sees an edit there", () => {
    writeRows(30);
    const tail = verifyChain(store.sqlite, { tailRows: 10 });
    expect(tail).toMatchObject({ ok: true, checked: 10, from: "tail" });
    raw("UPDATE audit_events SET details_json = '{}' WHERE id = 25");
    expect(verifyChain(store.sqlite, { tailRows: 10 }).problem?.rowId).toBe(25);
    // An edit older than the tail is left to the full check.
    raw("UPDATE audit_events SET hash = hash WHERE id = 1"); // no-op write
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(25);
  });

  test("the triggers refuse updates and deletes outside the pruning path", () => {
    writeRows(3);
    expect(() => store.sqlite.exec("UPDATE audit_events SET action = 'x' WHERE id = 1")).toThrow(/append-only/);
    expect(() => store.sqlite.exec("DELETE FROM audit_events WHERE id = 1")).toThrow(/append-only/);
  });
});

describe("retention pruning keeps the chain verifiable", () => {
  test("by age: rows older than the cutoff go in batches behind checkpoints", () => {
    writeRows(25); // one a minute
    const cutoff = new Date(Date.parse("2026-03-01T00:00:00Z") + 20 * 60_000).toISOString(); // rows 1..20 are older
    const batches: number[] = [];
    for (let n; (n = audit.pruneStep({ cutoff, keepRows: null, batch: 8 })) > 0; ) {
      batches.push(n);
      expect(verifyChain(store.sqlite)).toMatchObject({ ok: true, from: "checkpoint" });
    }
    expect(batches).toEqual([8, 8, 4]);
    const first = store.sqlite.query<{ id: number }, []>("SELECT MIN(id) AS id FROM audit_events").get()!.id;
    expect(first).toBe(21);
    const cps = store.sqlite.query<{ details_json: string }, [string]>("SELECT details_json FROM audit_events WHERE action = ? ORDER BY id").all(CHECKPOINT_ACTION);
    expect(cps.map((c) => JSON.parse(c.details_json).through_id)).toEqual([8, 16, 20]);
    // Still tamper-evident after pruning: the newest checkpoint's through_hash is covered by its own hash.
    raw(`UPDATE audit_events SET details_json = replace(details_json, '"through_id":20', '"through_id":19') WHERE action = '${CHECKPOINT_ACTION}' AND json_extract(details_json, '$.through_id') = 20`);
    expect(verifyChain(store.sqlite).ok).toBe(false);
  });

  test("by size: down to keepRows, in batches, each behind its checkpoint", () => {
    writeRows(50);
    let total = 0;
    // The retention runner asks for 90% of max_rows once the log is over it (retention.ts).
    for (let n; (n = audit.pruneStep({ cutoff: null, keepRows: 36, batch: 5 })) > 0; ) total += n;
    const count = store.sqlite.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events").get()!.n;
    expect(count).toBe(36);
    expect(total).toBeGreaterThan(14);
    expect(verifyChain(store.sqlite).ok).toBe(true);
    writeRows(3);
    expect(audit.rowCount()).toBe(39);
    expect(verifyChain(store.sqlite).ok).toBe(true);
  });

  test("only retention writes checkpoint rows; a forged one breaks the chain", () => {
    writeRows(6);
    expect(() => audit.record({ actor: "system", action: CHECKPOINT_ACTION, outcome: "ok", details: { through_id: 3 } })).toThrow(/only by retention/);
    expect(() => audit.recordSoon({ actor: "system", action: CHECKPOINT_ACTION, outcome: "ok" })).toThrow(/only by retention/);
    // Raw SQL can add one (and then delete), but not with a hash that chains.
    store.sqlite.exec(`INSERT INTO audit_events (at, actor, action, outcome, details_json, hash) VALUES ('2026-03-02T00:00:00.000Z', 'system', '${CHECKPOINT_ACTION}', 'ok', '{"through_id":3,"through_hash":"${"0".repeat(64)}"}', '${"1".repeat(64)}')`);
    store.sqlite.exec("DELETE FROM audit_events WHERE id <= 3");
    expect(verifyChain(store.sqlite).problem?.rowId).toBe(4);
  });

  test("a delete the checkpoint does not cover is still refused", () => {
    writeRows(10);
    audit.pruneStep({ cutoff: null, keepRows: 5, batch: 3 });
    const first = store.sqlite.query<{ id: number }, []>("SELECT MIN(id) AS id FROM audit_events").get()!.id;
    expect(() => store.sqlite.exec(`DELETE FROM audit_events WHERE id = ${first}`)).toThrow(/append-only/);
  });
});

describe("export", () => {
  test("JSONL lines round-trip: same rows, and each line's hash re-verifies from its own fields", () => {
    writeRows(7);
    audit.pruneStep({ cutoff: null, keepRows: 5, batch: 2 });
    const lines = [...exportPages(store.sqlite, null)].flat();
    const rows = store.sqlite.query<any, []>("SELECT * FROM audit_events ORDER BY id").all();
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
    let prev: string | null = lines[0]!.prev_hash;
    expect(prev).toBeNull(); // its predecessor was pruned: the checkpoint line carries it
    const cp = lines.find((l) => l.action === CHECKPOINT_ACTION)!;
    prev = (cp.details as { through_hash: string }).through_hash;
    for (const l of lines) {
      const back = JSON.parse(JSON.stringify(l));
      expect(back).toEqual(l);
      const h = rowHash({ ...back, details_json: JSON.stringify(back.details) }, prev!);
      expect(h).toBe(l.hash!);
      prev = l.hash;
    }
  });

  test("--since starts at the first row that new", () => {
    writeRows(10);
    const since = new Date(Date.parse("2026-03-01T00:00:00Z") + 6 * 60_000).toISOString();
    const ids = [...exportPages(store.sqlite, since)].flat().map((l) => l.id);
    expect(ids[0]).toBeGreaterThan(1);
    expect(ids.length).toBeLessThan(10);
  });
});

test("migration 0007 backfills an older catalog's rows in id order", () => {
  const path = join(dir, "old.db");
  const v5 = openDb(path, MIGRATIONS.filter((m) => m.version <= 5));
  const ins = v5.sqlite.query("INSERT INTO audit_events (at, actor, action, outcome, details_json) VALUES (?, 'cli', ?, 'ok', '{\"k\":1}')");
  for (let i = 0; i < 5; i++) ins.run(`2026-01-0${i + 1}T00:00:00Z`, `old.${i}`);
  v5.close();
  const v7 = openDb(path);
  const r = verifyChain(v7.sqlite);
  expect(r).toMatchObject({ ok: true, checked: 5, from: "genesis" });
  const first = v7.sqlite.query<any, []>("SELECT * FROM audit_events WHERE id = 1").get();
  expect(first.hash).toBe(rowHash(first, GENESIS_HASH));
  expect(() => v7.sqlite.exec("UPDATE audit_events SET hash = NULL")).toThrow(/append-only/);
  const log = new AuditLog(v7.sqlite, v7.db, clock);
  log.record({ actor: "system", action: "after", outcome: "ok" });
  expect(verifyChain(v7.sqlite)).toMatchObject({ ok: true, checked: 6 });
  v7.close();
});

test("batched rows: held until the window or a synchronous record, then committed by the timer alone; hashed in the order recorded", async () => {
  // A long window: only record() (which flushes first) can write the queue.
  const held = new AuditLog(store.sqlite, store.db, clock, undefined, { batchWindowMs: 60_000 });
  held.record({ actor: "system", action: "first", outcome: "ok" });
  for (let i = 0; i < 20; i++) held.recordSoon({ actor: "api", action: "tool.call", outcome: "ok", details: { i } });
  const reader = new Database(join(dir, "catalog.db"), { readonly: true });
  const count = () => reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events").get()!.n;
  expect(count()).toBe(1);
  held.record({ actor: "system", action: "last", outcome: "ok" }); // flushes the queue first
  expect(count()).toBe(22);
  // A short window: the timer commits with nobody flushing.
  const soon = new AuditLog(store.sqlite, store.db, clock, undefined, { batchWindowMs: 5 });
  for (let i = 20; i < 30; i++) soon.recordSoon({ actor: "api", action: "tool.call", outcome: "ok", details: { i } });
  await waitFor(() => count() === 32, { timeoutMs: 5000, what: "the timer's commit seen by another connection" });
  const order = store.sqlite.query<{ action: string; details_json: string }, []>("SELECT action, details_json FROM audit_events ORDER BY id").all();
  expect(order.map((o) => (o.action === "tool.call" ? JSON.parse(o.details_json).i : o.action))).toEqual(["first", ...Array.from({ length: 20 }, (_, i) => i), "last", ...Array.from({ length: 10 }, (_, i) => i + 20)]);
  expect(verifyChain(store.sqlite).ok).toBe(true);
  reader.close();
});

test("a burst of 256 is committed at once, without waiting for the window", () => {
  const log = new AuditLog(store.sqlite, store.db, clock, undefined, { batchWindowMs: 60_000 });
  for (let i = 0; i < 256; i++) log.recordSoon({ actor: "api", action: "tool.call", outcome: "ok" });
  const reader = new Database(join(dir, "catalog.db"), { readonly: true });
  expect(reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events").get()!.n).toBe(256);
  reader.close();
  log.flush();
});

test("the daemon's snapshot walk gives the same report, from its own read-only connection", async () => {
  writeRows(12);
  const { verifyChainSnapshot } = await import("./verify.ts");
  const a = verifyChain(store.sqlite);
  const b = await verifyChainSnapshot(join(dir, "catalog.db"));
  expect({ ...b, durationMs: 0 }).toEqual({ ...a, durationMs: 0 });
  raw("UPDATE audit_events SET action = 'x' WHERE id = 3");
  expect((await audit.verifySnapshot()).problem?.rowId).toBe(3);
});
