/**
 * Migration 0006 on a populated catalog: a v5 catalog (the previous full-text
 * index) is rebuilt — every listing is findable, with its trust tier in the
 * rowid, its facets, and its words in the typo vocabulary — and the triggers
 * keep all three current afterwards.
 */
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { MIGRATIONS } from "../../db/migrations.ts";
import { openDb } from "../../db/open.ts";
import { TIER_SHIFT, tierSql } from "./rank.ts";
import { CatalogSearch } from "./search.ts";

const dir = tempDir("os-search-mig6-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 300;
const WORDS = ["slack", "invoice", "kubernetes", "calendar"];

test("a populated v5 catalog upgrades: index rebuilt with tiers and facets, vocabulary backfilled, triggers live", () => {
  const path = join(dir, "catalog.db");
  const v5 = openDb(path, MIGRATIONS.filter((m) => m.version <= 5));
  v5.sqlite.run("INSERT INTO registries (name, git_url, ref, added_at) VALUES ('main', 'https://example.com/r.git', 'main', 't')");
  const ins = v5.sqlite.query(
    `INSERT INTO agents (key, agent_id, source, registry_name, status, name, description, keywords, tool_summary, capabilities_json, integration_points_json, verification, trust_score, first_seen_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, 't', 't')`,
  );
  v5.sqlite.transaction(() => {
    for (let i = 0; i < N; i++) {
      const w = WORDS[i % WORDS.length]!;
      const remote = i % 3 === 0;
      ins.run(
        remote ? `registry:main:com.t.a${i}` : `local:/a/${i}`,
        `com.t.a${i}`,
        remote ? "remote" : "local",
        remote ? "main" : null,
        remote ? "available" : "local_uninstalled",
        `${w} agent ${i}`,
        `Handles ${w} work.`,
        w,
        JSON.stringify(i % 2 ? ["tools"] : ["chat"]),
        i % 5 ? "[]" : JSON.stringify(["github"]),
        remote ? (i % 2 ? "verified" : "community") : null,
        remote ? (i % 10) / 10 : null,
      );
    }
  })();
  // The v5 index answers before the upgrade.
  expect(v5.sqlite.query("SELECT count(*) AS n FROM agents_fts WHERE agents_fts MATCH 'slack'").get()).toEqual({ n: N / 4 });
  v5.close();

  const v6 = openDb(path);
  const db = v6.sqlite;
  try {
    // Every listing has exactly one index row, whose rowid carries the tier its columns give.
    const rows = db.query<{ rid: number; expected: number }, []>(`SELECT f.rowid AS rid, ${tierSql("a")} * ${TIER_SHIFT} + a.pk AS expected FROM agents_fts f JOIN agents a ON a.pk = f.rowid % ${TIER_SHIFT}`).all();
    expect(rows).toHaveLength(N);
    for (const r of rows) expect(r.rid).toBe(r.expected);
    expect(new Set(rows.map((r) => Math.floor(r.rid / TIER_SHIFT))).size).toBeGreaterThan(3);

    const search = new CatalogSearch(db);
    const ids = (f: Parameters<CatalogSearch["search"]>[0]) => search.search({ limit: 1000, ...f }).agents.map((a) => a.id);
    expect(ids({ query: "slack" })).toHaveLength(N / 4);
    expect(ids({ query: "slak" })).toHaveLength(N / 4); // backfilled vocabulary
    expect(ids({ query: "invo", capability: "tools" })).toHaveLength(N / 4); // invoice listings are the odd ones
    expect(ids({ query: "invo", capability: "chat" })).toEqual([]);
    expect(ids({ query: "agent", integration: "github", source: "remote" })).toEqual(
      ids({ integration: "github", source: "remote" }).filter(Boolean),
    );
    expect(ids({ query: "agent", integration: "github", source: "remote" }).length).toBeGreaterThan(0);
    // Trust orders equal text: the first hits of a remote-only query are the most trusted.
    const top = search.search({ query: "agent", source: "remote", limit: 1 }).agents[0]!;
    expect(top).toMatchObject({ verification: "verified", trustScore: 0.9 });

    // Triggers after the upgrade: insert, edit (text, trust, facets), delete.
    db.run(
      "INSERT INTO agents (key, agent_id, source, status, name, description, keywords, tool_summary, capabilities_json, first_seen_at, updated_at) VALUES ('local:/new', 'com.t.new', 'local', 'local_uninstalled', 'Zeppelin Planner', 'Plans flights.', '', '', '[\"webhooks\"]', 't', 't')",
    );
    expect(ids({ query: "zepelin" })).toEqual(["com.t.new"]);
    expect(ids({ query: "planner", capability: "webhooks" })).toEqual(["com.t.new"]);
    db.run("UPDATE agents SET capabilities_json = '[\"chat\"]', description = 'Plans balloon rides.' WHERE key = 'local:/new'");
    expect(ids({ query: "planner", capability: "webhooks" })).toEqual([]);
    expect(ids({ query: "baloon", capability: "chat" })).toEqual(["com.t.new"]);
    expect(ids({ query: "flights" })).toEqual([]);
    db.run("DELETE FROM agents WHERE key = 'local:/new'");
    expect(ids({ query: "zeppelin" })).toEqual([]);
    expect(db.query("SELECT count(*) AS n FROM agents_fts").get()).toEqual({ n: N });
  } finally {
    v6.close();
  }
});
