/**
 * The policy cache must never serve a stale answer for a change the product
 * makes: every write to installs or approvals through the connection the
 * cache reads (the daemon's, or the CLI's when no daemon runs — the one writer
 * of a data directory) is seen by the very next lookup. A write by another
 * connection (a sqlite3 shell) is seen once FOREIGN_WRITE_BOUND_MS passed.
 */
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../db/open.ts";
import { FOREIGN_WRITE_BOUND_MS, PolicyCache } from "./policy-cache.ts";

const dir = mkdtempSync(join(tmpdir(), "os-policy-cache-"));
const path = join(dir, "catalog.db");
const opened = openDb(path);
const other = new Database(path, { strict: true });
afterAll(() => {
  other.close();
  opened.close();
  rmSync(dir, { recursive: true, force: true });
});

const ID = "com.acme.cached";
let clock = 0;
const cache = new PolicyCache(opened.sqlite, () => clock);
const approved = () => [...cache.get(ID).approved].sort();

test("an unknown agent is neither installed nor enabled", () => {
  expect(cache.get(ID)).toEqual({ enabled: false, installed: false, approved: new Set() });
});

test("an install and an approval on this connection show on the next lookup", () => {
  opened.sqlite.run("INSERT INTO installs (agent_id, source, install_path, state, enabled, installed_at, updated_at) VALUES (?, 'local', '/x', 'installed', 1, 'now', 'now')", [ID]);
  expect(cache.get(ID)).toMatchObject({ enabled: true, installed: true });
  opened.sqlite.run("INSERT INTO approvals (agent_id, permission, approved_at, actor) VALUES (?, 'network:egress:api.example.com', 'now', 'cli')", [ID]);
  expect(approved()).toEqual(["network:egress:api.example.com"]);
});

test("the same answer is served from the cache while nothing changes", () => {
  expect(cache.get(ID)).toBe(cache.get(ID));
});

test("a revoke and a disable written by another connection apply once the bound has passed", () => {
  const before = cache.get(ID);
  other.run("DELETE FROM approvals WHERE agent_id = ?", [ID]);
  // Within the bound the cached answer stands: no lookup reads the counter while this connection wrote nothing.
  clock += FOREIGN_WRITE_BOUND_MS - 1;
  expect(cache.get(ID)).toBe(before);
  clock += 1;
  expect(approved()).toEqual([]);
  expect(cache.get(ID)).not.toBe(before);
  other.run("UPDATE installs SET enabled = 0 WHERE agent_id = ?", [ID]);
  clock += FOREIGN_WRITE_BOUND_MS;
  expect(cache.get(ID).enabled).toBe(false);
  other.run("DELETE FROM installs WHERE agent_id = ?", [ID]);
  clock += FOREIGN_WRITE_BOUND_MS;
  expect(cache.get(ID)).toEqual({ enabled: false, installed: false, approved: new Set() });
});

test("a write on this connection, even to another table, makes the next lookup read the counter (another connection's revoke shows at once)", () => {
  other.run("INSERT INTO installs (agent_id, source, install_path, state, enabled, installed_at, updated_at) VALUES (?, 'local', '/x', 'installed', 1, 'now', 'now')", [ID]);
  clock += FOREIGN_WRITE_BOUND_MS;
  expect(cache.get(ID).enabled).toBe(true);
  other.run("UPDATE installs SET enabled = 0 WHERE agent_id = ?", [ID]);
  expect(cache.get(ID).enabled).toBe(true); // the clock has not moved and this connection wrote nothing
  opened.sqlite.run("INSERT INTO audit_events (id, at, actor, action, outcome, details_json) VALUES (1000000, 'now', 'cli', 'test.touch', 'ok', '{}')");
  expect(cache.get(ID).enabled).toBe(false);
  other.run("DELETE FROM installs WHERE agent_id = ?", [ID]);
  clock += FOREIGN_WRITE_BOUND_MS;
});

test("a change inside a transaction is seen there, and a rollback followed by another commit is not confused with it", () => {
  opened.sqlite.run("INSERT INTO installs (agent_id, source, install_path, state, enabled, installed_at, updated_at) VALUES (?, 'local', '/x', 'installed', 1, 'now', 'now')", [ID]);
  expect(cache.get(ID).enabled).toBe(true);
  expect(() =>
    opened.sqlite.transaction(() => {
      opened.sqlite.run("UPDATE installs SET enabled = 0 WHERE agent_id = ?", [ID]);
      expect(cache.get(ID).enabled).toBe(false);
      throw new Error("roll back");
    })(),
  ).toThrow("roll back");
  // The rolled-back write and this commit both move the counter to the same value: an answer cached inside the
  // transaction would now be served for the committed state.
  opened.sqlite.run("INSERT INTO approvals (agent_id, permission, approved_at, actor) VALUES (?, 'filesystem:read:/tmp', 'now', 'cli')", [ID]);
  expect(cache.get(ID).enabled).toBe(true);
  expect(approved()).toEqual(["filesystem:read:/tmp"]);
});
