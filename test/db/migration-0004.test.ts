/**
 * Migration 0004 rebuilds audit_events to admit the `mcp` actor. An existing
 * catalog keeps every audit row with its id, the AUTOINCREMENT counter, the
 * indexes and the append-only triggers.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { openDb } from "../../src/db/open.ts";

const dir = mkdtempSync(join(tmpdir(), "os-mig4-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a v3 catalog upgrades: rows, ids, counter, indexes and triggers survive; mcp is an actor", () => {
  const path = join(dir, "catalog.db");
  const v3 = openDb(path, MIGRATIONS.filter((m) => m.version <= 3));
  const ins = v3.sqlite.query("INSERT INTO audit_events (at, actor, action, outcome, details_json) VALUES (?, ?, ?, 'ok', '{}')");
  for (let i = 0; i < 5; i++) ins.run(`2026-01-0${i + 1}T00:00:00Z`, "cli", `a${i}`);
  expect(() => ins.run("2026-01-09T00:00:00Z", "mcp", "x")).toThrow(/CHECK/);
  v3.close();

  const v4 = openDb(path);
  const rows = v4.sqlite.query<{ id: number; action: string }, []>("SELECT id, action FROM audit_events ORDER BY id").all();
  expect(rows).toEqual([0, 1, 2, 3, 4].map((i) => ({ id: i + 1, action: `a${i}` })));
  const id = v4.sqlite.query<{ id: number }, []>("INSERT INTO audit_events (at, actor, action, outcome) VALUES ('2026-02-01T00:00:00Z', 'mcp', 'tool.call', 'ok') RETURNING id").get()!.id;
  expect(id).toBe(6);
  expect(() => v4.sqlite.exec("UPDATE audit_events SET action = 'x'")).toThrow(/append-only/);
  expect(() => v4.sqlite.exec("DELETE FROM audit_events")).toThrow(/append-only/);
  expect(() => v4.sqlite.exec("INSERT INTO audit_events (at, actor, action, outcome) VALUES ('t', 'robot', 'x', 'ok')")).toThrow(/CHECK/);
  const indexes = v4.sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((r) => r.name);
  expect(indexes).toEqual(["audit_action", "audit_agent", "audit_at", "audit_correlation"]);
  expect(v4.sqlite.query("SELECT name FROM sqlite_master WHERE name = 'audit_events_v4'").get()).toBeNull();
  v4.close();
});
