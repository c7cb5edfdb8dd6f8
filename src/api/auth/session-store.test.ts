import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../core/clock.ts";
import { type OpenedDb, openDb } from "../../db/open.ts";
import { SessionStore } from "./session-store.ts";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, iso: () => new Date(now).toISOString(), advance: (ms) => (now += ms) };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A fresh, migrated catalog file in its own temp dir. */
function catalog(): { dir: string; path: string; open(): OpenedDb } {
  const dir = mkdtempSync(join(tmpdir(), "os-sessions-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "catalog.db");
  return {
    dir,
    path,
    open() {
      const db = openDb(path);
      cleanups.push(() => db.close());
      return db;
    },
  };
}

/** A store whose admin-token fingerprint the test can change (as a rotation would). */
function storeOn(db: OpenedDb, clock: Clock, opts: { fingerprint?: { value: string }; ttlMs?: number; maxSessions?: number } = {}) {
  const fp = opts.fingerprint ?? { value: "fp-1" };
  return new SessionStore({ sqlite: db.sqlite, clock, ttlMs: opts.ttlMs ?? 60_000, maxSessions: opts.maxSessions, tokenFingerprint: () => fp.value });
}

const rows = (db: OpenedDb) => db.sqlite.query<Record<string, unknown>, []>("SELECT * FROM web_sessions ORDER BY rowid").all();
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

test("a session survives closing and reopening the catalog (a daemon restart)", () => {
  const c = catalog();
  const clock = fakeClock();
  const first = c.open();
  const { id, session } = storeOn(first, clock).create();
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  expect(session).toEqual({ csrf: expect.stringMatching(/^[0-9a-f]{64}$/), createdAt: 1_000_000, expiresAt: 1_060_000 });
  first.close();
  const again = storeOn(c.open(), clock);
  expect(again.get(id)).toEqual(session);
});

test("a row holds the SHA-256 of the cookie value, never the value itself", () => {
  const c = catalog();
  const db = c.open();
  const store = storeOn(db, fakeClock(), { fingerprint: { value: "f".repeat(64) } });
  const { id, session } = store.create();
  expect(rows(db)).toEqual([{ id_hash: sha256(id), csrf: session.csrf, token_fingerprint: "f".repeat(64), created_at: 1_000_000, expires_at: 1_060_000 }]);
  db.close();
  // Nothing on disk (catalog, WAL, shm) contains the cookie value.
  for (const f of readdirSync(c.dir)) expect(`${f}: ${readFileSync(join(c.dir, f)).includes(id)}`).toBe(`${f}: false`);
});

test("sessions expire after the TTL; the expired row is deleted", () => {
  const clock = fakeClock();
  const db = catalog().open();
  const store = storeOn(db, clock);
  const { id } = store.create();
  clock.advance(59_999);
  expect(store.get(id)).not.toBeNull();
  clock.advance(1);
  expect(store.get(id)).toBeNull();
  expect(store.size).toBe(0);
});

test("a session is valid only under the admin token it was created under", () => {
  const clock = fakeClock();
  const c = catalog();
  const db = c.open();
  const fingerprint = { value: "fp-1" };
  const store = storeOn(db, clock, { fingerprint });
  const a = store.create();
  const b = store.create();
  fingerprint.value = "fp-2"; // rotated through the daemon without clear()
  expect(store.get(a.id)).toBeNull();
  expect(store.size).toBe(1); // a's row is gone at once; b's waits for the next prune
  fingerprint.value = "fp-1"; // even the old token coming back does not revive a deleted row
  expect(store.get(a.id)).toBeNull();
  expect(store.get(b.id)).not.toBeNull();
  // Token changed while the daemon was down: the next start prunes every row of the old token.
  db.close();
  const restarted = storeOn(c.open(), clock, { fingerprint: { value: "fp-3" } });
  expect(restarted.size).toBe(0);
  expect(restarted.get(b.id)).toBeNull();
});

test("malformed, unknown and destroyed ids are refused; destroy ends only that session", () => {
  const db = catalog().open();
  const store = storeOn(db, fakeClock());
  const a = store.create();
  const b = store.create();
  for (const bad of [undefined, "", "x".repeat(200), a.id.toUpperCase(), `${a.id}0`, a.id.slice(1), "0".repeat(64)]) expect(store.get(bad)).toBeNull();
  expect(store.destroy("not-an-id")).toBe(false);
  expect(store.destroy(a.id)).toBe(true);
  expect(store.destroy(a.id)).toBe(false);
  expect(store.get(a.id)).toBeNull();
  expect(store.get(b.id)).not.toBeNull();
});

test("clear() deletes every row and counts the sessions that had not expired", () => {
  const clock = fakeClock();
  const db = catalog().open();
  const store = storeOn(db, clock, { ttlMs: 10_000 });
  const old = store.create();
  clock.advance(5_000);
  const fresh = store.create();
  clock.advance(5_000); // `old` has just expired, `fresh` has not
  expect(store.clear()).toBe(1);
  expect(rows(db)).toEqual([]);
  expect(store.get(old.id)).toBeNull();
  expect(store.get(fresh.id)).toBeNull();
});

test("the store is bounded: the oldest session is evicted, insertion order breaking ties within one millisecond", () => {
  const clock = fakeClock();
  const db = catalog().open();
  const store = storeOn(db, clock, { maxSessions: 3 });
  const a = store.create();
  clock.advance(1);
  const b = store.create();
  const c = store.create(); // same created_at as b
  const d = store.create();
  expect(store.size).toBe(3);
  expect(store.get(a.id)).toBeNull();
  const e = store.create();
  expect(store.get(b.id)).toBeNull();
  for (const live of [c, d, e]) expect(store.get(live.id)).not.toBeNull();
});

test("login prunes expired rows and rows of another token before counting against the bound", () => {
  const clock = fakeClock();
  const db = catalog().open();
  const fingerprint = { value: "fp-1" };
  const store = storeOn(db, clock, { fingerprint, maxSessions: 2, ttlMs: 1_000 });
  store.create();
  clock.advance(1_000);
  const live = store.create();
  fingerprint.value = "fp-2";
  store.create(); // expired and foreign rows go; nothing live needs evicting
  expect(rows(db).map((r) => r.token_fingerprint)).toEqual(["fp-2"]);
  fingerprint.value = "fp-1";
  expect(store.get(live.id)).toBeNull();
});
