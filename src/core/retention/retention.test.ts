/**
 * Retention on a real catalog and real files: the defaults are what config
 * gives with nothing set; each bound prunes in batches of prune_batch_rows;
 * the audit chain still verifies afterwards; rotated agent logs beyond the
 * count or the age go, the live log stays.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { openDb } from "../../db/open.ts";
import { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { configSchema, retentionSchema } from "../config/schema.ts";
import { AgentLog } from "../runtime/agent-log.ts";
import { RetentionService } from "./retention.ts";

const DAY = 86_400_000;
let now = Date.parse("2026-06-01T00:00:00Z");
const clock: Clock = { now: () => now, iso: () => new Date(now).toISOString() };
let dir: string;
let store: ReturnType<typeof openDb>;
let audit: AuditLog;

beforeEach(() => {
  now = Date.parse("2026-06-01T00:00:00Z");
  dir = tempDir();
  store = openDb(join(dir, "catalog.db"));
  audit = new AuditLog(store.sqlite, store.db, clock);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const service = (over: Partial<ReturnType<typeof retentionSchema.parse>> = {}) =>
  new RetentionService({ sqlite: store.sqlite, audit, clock, settings: retentionSchema.parse(over), agentLogsDir: join(dir, "logs", "agents") });

test("defaults a user would accept, the same as config.json with no retention key", () => {
  expect(configSchema.parse({}).retention).toEqual({
    audit_max_age_days: 90,
    audit_max_rows: 1_000_000,
    chat_max_age_days: 180,
    chat_max_messages: 100_000,
    agent_log_files: 3,
    agent_log_max_age_days: 30,
    metrics_max_age_days: 7,
    prune_interval_minutes: 10,
    prune_batch_rows: 500,
    min_free_disk_mb: 1024,
  });
  expect(() => configSchema.parse({ retention: { audit_max_rows: -1 } })).toThrow();
  expect(() => configSchema.parse({ retention: { audit_max_age: 3 } })).toThrow(/audit_max_age/);
});

test("audit rows past the default 90 days go in batches of prune_batch_rows; the chain verifies", async () => {
  const ins = (n: number) => {
    for (let i = 0; i < n; i++) audit.recordSoon({ actor: "api", action: "tool.call", outcome: "ok", details: { i } });
    audit.flush();
  };
  ins(2500); // 100 days ago
  now += 95 * DAY;
  ins(30); // 5 days ago
  now += 5 * DAY;
  const checkpoints = () => store.sqlite.query<{ d: string }, []>("SELECT details_json AS d FROM audit_events WHERE action = 'audit.checkpoint' ORDER BY id").all().map((r) => JSON.parse(r.d).pruned);
  const removed = await service().runOnce();
  expect(removed.audit).toBe(2500);
  expect(checkpoints()).toEqual([500, 500, 500, 500, 500]);
  expect(audit.verify()).toMatchObject({ ok: true, from: "checkpoint" });
  expect(await service().runOnce()).toMatchObject({ audit: 0 });
});

test("audit rows over audit_max_rows: down to 90% of it", async () => {
  for (let i = 0; i < 120; i++) audit.recordSoon({ actor: "api", action: "tool.call", outcome: "ok" });
  audit.flush();
  await service({ audit_max_rows: 100, prune_batch_rows: 10 }).runOnce();
  expect(audit.rowCount()).toBe(90);
  expect(audit.verify().ok).toBe(true);
});

test("chat: sessions idle past the age go with their messages; then the message cap, oldest first", async () => {
  const session = store.sqlite.query("INSERT INTO chat_sessions (id, title, created_at, updated_at) VALUES (?, 't', ?, ?)");
  const msg = store.sqlite.query("INSERT INTO chat_messages (id, session_id, role, text, created_at) VALUES (?, ?, 'user', 'hi', ?)");
  const old = new Date(now - 200 * DAY).toISOString();
  const fresh = new Date(now - DAY).toISOString();
  session.run("old", old, old);
  session.run("new", fresh, fresh);
  for (let i = 0; i < 5; i++) msg.run(`o${i}`, "old", old);
  for (let i = 0; i < 30; i++) msg.run(`n${i}`, "new", fresh);
  const removed = await service({ chat_max_messages: 20, prune_batch_rows: 10 }).runOnce();
  expect(removed.chat).toBe(1 + 10);
  const ids = store.sqlite.query<{ id: string }, []>("SELECT id FROM chat_messages ORDER BY rowid").all().map((r) => r.id);
  expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `n${i + 10}`));
  expect(store.sqlite.query("SELECT id FROM chat_sessions WHERE id = 'old'").get()).toBeNull();
  // Audited: what retention removed besides audit rows.
  const ev = audit.query({ action: "retention.prune" })[0]!;
  expect(ev.details).toEqual({ chat: 11 });
});

test("agent logs: rotation keeps agent_log_files; retention drops older or surplus rotated files, never the live log", async () => {
  const logs = join(dir, "logs", "agents");
  const log = new AgentLog(join(logs, "a.log"), 4096, 3);
  for (let i = 0; i < 2000; i++) log.append("stdout", `line ${i} ${"x".repeat(40)}`);
  expect(readdirSync(logs).sort()).toEqual(["a.log", "a.log.1", "a.log.2", "a.log.3"]);
  // A file left by a bigger setting, and one past the age.
  writeFileSync(join(logs, "a.log.7"), "x");
  utimesSync(join(logs, "a.log.2"), new Date(now - 40 * DAY), new Date(now - 40 * DAY));
  mkdirSync(logs, { recursive: true });
  const removed = await service().runOnce();
  expect(removed.agent_logs).toBe(2);
  expect(readdirSync(logs).sort()).toEqual(["a.log", "a.log.1", "a.log.3"]);
  expect(existsSync(join(logs, "a.log"))).toBe(true);
});

test("a registered task runs too (the metrics rollups hook)", async () => {
  const s = service();
  let left = 3;
  s.register({ name: "metrics", plan: () => () => (left > 0 ? (left--, 1) : 0) });
  expect((await s.runOnce()).metrics).toBe(3);
});
