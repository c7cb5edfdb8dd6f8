/**
 * The scaled search (capped counts, a bounded rank window read in trust-tier
 * order, facet tokens, agent_tags and narrow indexes for filters) returns
 * exactly what the plain one-statement query over the agents columns returns:
 * same rows, same order, on a catalog big enough to pass the cap. The reference
 * filters with the JSON columns (not the facets), computes each hit's tier from
 * its columns (and checks the index's rowid carries it), and ranks with the
 * same score: the first RANK_WINDOW hits (or to the page's end) in (tier, pk)
 * order, by score, then name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { manifest, tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { listingValues } from "../catalog/listing.ts";
import { loadConfig } from "../config/load.ts";
import { validateManifest } from "../manifest/parse.ts";
import { createServices, type Services } from "../services.ts";
import { BM25_SQL, boostOf, RELIABILITY_WEIGHT, TIER_SHIFT, tierSql } from "./rank.ts";
import { COUNT_CAP, EFFECTIVE_STATUS_SQL, ftsQuery, RANK_WINDOW, type SearchFilter } from "./search.ts";

const N = 2500;
const WORDS = ["git", "commit", "invoice", "deploy", "alert", "review"];
const CAPS = ["tools", "chat", "streaming", "webhooks"];
const INTS = ["github", "slack", "jira"];

let dir: string;
let s: Services;

beforeAll(() => {
  dir = tempDir("os-search-scale-");
  s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: dir, OPENSENTIENCE_SCAN_ROOTS: "" } }));
  s.store.sqlite.run("INSERT INTO registries (name, git_url, ref, added_at) VALUES ('main', 'https://example.com/r.git', 'main', '2026-01-01T00:00:00Z')");
  s.catalog.transaction(() => {
    for (let i = 0; i < N; i++) {
      const w = WORDS[i % WORDS.length]!;
      const result = validateManifest(
        manifest(`com.t.${w}_${i}`, {
          name: `${w} ${["helper", "bot", "agent"][i % 3]} ${i % 7}`, // many equal names: ties broken by id
          description: `${WORDS[(i * 7) % WORDS.length]} ${w} ${i % 2 ? w : ""} things`,
          capabilities: [CAPS[i % 4]!, CAPS[(i >> 2) % 4]!],
          integration_points: i % 5 === 0 ? [] : [INTS[i % 3]!],
        }),
      );
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      if (i % 3 === 0) {
        s.catalog.upsertListing(listingValues(`registry:main:com.t.${w}_${i}`, "remote", result, "available", { registryName: "main", verification: i % 2 ? "verified" : null, trustScore: i % 4 ? (i % 10) / 10 : null }));
      } else {
        s.catalog.upsertListing(listingValues(`local:/a/${i}`, "local", result, i % 17 === 0 ? "missing" : "local_uninstalled", { path: `/a/${i}` }));
      }
    }
  });
  // A few installs: their state is the effective status (installed, local_dev, install_failed).
  const inst = s.store.sqlite.query("INSERT INTO installs (agent_id, source, install_path, state, dev_mode, installed_at, updated_at) VALUES (?, 'local', '/x', ?, ?, 't', 't')");
  for (let i = 1; i < N; i += 97) inst.run(`com.t.${WORDS[i % WORDS.length]}_${i}`, i % 3 === 1 ? "install_failed" : "installed", i % 2);
}, 120_000);
afterAll(() => {
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The reference: one statement, everything joined, filters on the JSON columns, exact count, full sort (error `rates`: a JSON object by agent id). */
function reference(f: SearchFilter, window: number, rates?: string): { total: number; keys: string[] } {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const match = f.query ? ftsQuery(f.query) : null;
  let from = "agents a";
  if (match) {
    from = `agents_fts f JOIN agents a ON a.pk = f.rowid % ${TIER_SHIFT}`;
    where.push("agents_fts MATCH ?");
    params.push(match);
  }
  if (f.capability) (where.push("EXISTS (SELECT 1 FROM json_each(a.capabilities_json) WHERE value = ?)"), params.push(f.capability));
  if (f.integration) (where.push("EXISTS (SELECT 1 FROM json_each(a.integration_points_json) WHERE value = ?)"), params.push(f.integration));
  if (f.status) (where.push(`(${EFFECTIVE_STATUS_SQL}) = ?`), params.push(f.status));
  if (f.verification) (where.push("a.verification = ?"), params.push(f.verification));
  if (f.minTrust !== undefined) (where.push("a.trust_score >= ?"), params.push(f.minTrust));
  if (f.source) (where.push("a.source = ?"), params.push(f.source));
  const whereSql = `${where.length ? `WHERE ${where.join(" AND ")}` : ""}`;
  const byName = "name COLLATE NOCASE, agent_id, key";
  if (!match) {
    const keys = s.store.sqlite.query<{ key: string }, Array<string | number>>(`SELECT a.key AS key FROM ${from} LEFT JOIN installs i ON i.agent_id = a.agent_id ${whereSql} ORDER BY a.${byName.replaceAll(", ", ", a.")}`).all(...params).map((r) => r.key);
    return { total: keys.length, keys };
  }
  const hits = s.store.sqlite
    .query<{ key: string; rid: number; expected: number; rn: number }, Array<string | number>>(
      `WITH h AS (SELECT a.key, a.name, a.agent_id, f.rowid AS rid, ${tierSql("a")} * ${TIER_SHIFT} + a.pk AS expected, ${BM25_SQL} * ${boostOf("f.rowid")}${rates ? ` * (1.0 - ${RELIABILITY_WEIGHT} * coalesce((SELECT j.value FROM json_each(?) j WHERE j.key = a.agent_id), 0.0))` : ""} AS score
                  FROM ${from} LEFT JOIN installs i ON i.agent_id = a.agent_id ${whereSql}),
            w AS (SELECT *, row_number() OVER (ORDER BY expected) AS rn FROM h)
       SELECT key, rid, expected, rn FROM w ORDER BY rn > ${window}, score, ${byName}`,
    )
    .all(...(rates ? [rates] : []), ...params);
  for (const h of hits) expect(h.rid).toBe(h.expected); // the index's rowid carries the tier the columns give
  return { total: hits.length, keys: hits.filter((h) => h.rn <= window).map((h) => h.key) };
}

const FILTERS: SearchFilter[] = [
  {},
  { query: "git" },
  { query: "gi" },
  { query: "commit things" },
  { query: "helper" },
  { query: "nomatch" },
  { capability: "tools" },
  { capability: "webhooks", integration: "slack" },
  { integration: "jira" },
  { source: "remote", minTrust: 0.5 },
  { source: "local" },
  { verification: "verified" },
  { status: "local_uninstalled" },
  { status: "missing" },
  { status: "available" },
  { query: "git", capability: "chat" },
  { query: "alert", source: "remote", minTrust: 0.3 },
  { query: "review", status: "local_uninstalled" },
  { query: "deploy", integration: "github", verification: "verified" },
  // More hits than the rank window and the count cap: the window is the first hits in (tier, pk) order.
  { query: "things" },
  { query: "things", capability: "tools" },
  { query: "things", status: "local_uninstalled" },
  { query: "things", source: "remote" },
  { query: "thing", source: "local", integration: "slack" },
  { query: "things", minTrust: 0.3 },
  { query: "things", minTrust: 0.35 },
  { query: "things", minTrust: 0 },
  { query: "git", minTrust: 1 },
  { query: "things", status: "installed" },
  { query: "things", status: "local_dev" },
  { query: "git", status: "install_failed" },
  { query: "things", status: "missing" },
  // Scored apart from a long facet doclist (tools) while a row filter or the installs also decide.
  { query: "things", capability: "tools", minTrust: 0.35 },
  { query: "things", capability: "tools", status: "installed" },
  { status: "installed" },
  { status: "local_dev" },
];

describe("search at scale matches the exact one-statement query", () => {
  for (const f of FILTERS) {
    for (const [offset, limit] of [[0, 50], [37, 13], [COUNT_CAP - 10, 50], [1200, 100], [N - 5, 50]] as const) {
      test(`${JSON.stringify(f)} offset ${offset} limit ${limit}`, () => {
        const cap = Math.max(COUNT_CAP, offset + limit);
        const ref = reference(f, Math.max(RANK_WINDOW, offset + limit));
        const page = s.search.search({ ...f, offset, limit });
        expect(page.agents.map((a) => a.key)).toEqual(ref.keys.slice(offset, offset + limit));
        if (ref.total > cap && !(f.query === undefined && Object.keys(f).length === 0)) {
          expect(page).toMatchObject({ total: cap, totalCapped: true });
        } else {
          expect(page).toMatchObject({ total: ref.total, totalCapped: false });
        }
      });
    }
  }

  // Filters whose facet doclists are long are scored apart from the text (tools, local_uninstalled), others together.
  test("observed reliability ranks the same with and without filters", () => {
    const rates = new Map<string, number>();
    for (let i = 0; i < N; i++) rates.set(`com.t.${WORDS[i % WORDS.length]}_${i}`, (i % 7) / 7 + 0.1);
    s.search.setReliabilitySource({ errorRates: () => rates });
    try {
      const json = JSON.stringify(Object.fromEntries(rates));
      const reordered: boolean[] = [];
      const cases: SearchFilter[] = [{ query: "things" }, { query: "things", capability: "tools" }, { query: "review", status: "local_uninstalled" }, { query: "git", capability: "chat" }, { query: "things", source: "remote", minTrust: 0.3 }];
      for (const f of cases) {
        for (const [offset, limit] of [[0, 50], [37, 13]] as const) {
          const ref = reference(f, Math.max(RANK_WINDOW, offset + limit), json);
          expect(s.search.search({ ...f, offset, limit }).agents.map((a) => a.key)).toEqual(ref.keys.slice(offset, offset + limit));
          if (offset === 0) reordered.push(JSON.stringify(ref.keys.slice(0, limit)) !== JSON.stringify(reference(f, RANK_WINDOW).keys.slice(0, limit)));
        }
      }
      expect(reordered).toEqual(cases.map(() => true)); // the rates do change every first page
    } finally {
      s.search.setReliabilitySource(undefined);
    }
  });

  test("the plain list's remembered positions follow inserts, renames and deletes (this and other connections)", () => {
    const keysAt = (offset: number) => s.search.search({ offset, limit: 20 }).agents.map((a) => a.key);
    const check = () => {
      for (const offset of [0, 999, 1000, 1001, 1990, N - 10]) expect(keysAt(offset)).toEqual(reference({}, 0).keys.slice(offset, offset + 20));
    };
    check();
    s.store.sqlite.run("UPDATE agents SET name = 'aaaa first' WHERE key = 'local:/a/2'");
    check();
    const other = new Database(join(dir, "catalog.db"));
    other.run("DELETE FROM agents WHERE key IN ('local:/a/4', 'local:/a/5')");
    other.close();
    check();
    expect(s.search.search({ limit: 1 }).total).toBe(N - 2);
  });

  test("agent_tags follows updates and deletes of listings", () => {
    const tags = (key: string) =>
      s.store.sqlite.query<{ tag: string }, [string]>("SELECT t.tag FROM agent_tags t JOIN agents a ON a.pk = t.pk WHERE a.key = ? ORDER BY t.tag").all(key).map((r) => r.tag);
    expect(tags("local:/a/1")).toEqual(["c:chat", "c:tools", "i:slack"]);
    s.store.sqlite.run(`UPDATE agents SET capabilities_json = '["x", 1, "x"]', integration_points_json = 'not json' WHERE key = 'local:/a/1'`);
    expect(tags("local:/a/1")).toEqual(["c:x"]);
    expect(s.search.search({ capability: "x" }).agents.map((a) => a.key)).toEqual(["local:/a/1"]);
    expect(s.search.search({ query: "things", capability: "x" }).agents.map((a) => a.key)).toEqual(["local:/a/1"]);
    expect(s.search.search({ query: "things", capability: "chat", limit: 1000 }).agents.map((a) => a.key)).not.toContain("local:/a/1");
    expect(s.search.search({ query: "things", integration: "slack", limit: 1000 }).agents.map((a) => a.key)).not.toContain("local:/a/1");
    s.store.sqlite.run("DELETE FROM agents WHERE key = 'local:/a/1'");
    expect(s.store.sqlite.query("SELECT count(*) AS n FROM agent_tags t LEFT JOIN agents a ON a.pk = t.pk WHERE a.pk IS NULL").get()).toEqual({ n: 0 });
  });
});
