/**
 * The drizzle view (src/db/schema.ts) must describe exactly what the SQL
 * migrations (the source of truth) create in a fresh catalog: the same tables,
 * and per table the same columns with the same type, NOT NULL and primary-key
 * flags and the same UNIQUE constraints. A column added to one side only fails here.
 */
import type { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { is } from "drizzle-orm";
import { getTableConfig, integer, SQLiteTable, sqliteTable } from "drizzle-orm/sqlite-core";
import { MIGRATIONS, type Migration } from "../../src/db/migrations.ts";
import { openDb } from "../../src/db/open.ts";
import * as schema from "../../src/db/schema.ts";

/** SQL tables that deliberately have no drizzle table, and why. */
const NOT_MODELLED: Record<string, string> = {
  schema_migrations: "bookkeeping of openDb's migrator (src/db/open.ts), not catalog data",
  agents_fts: "FTS5 index over agents, maintained by triggers and queried with raw MATCH SQL",
  agent_tags: "search index of agents' capabilities and integration points, maintained by triggers and read by raw search SQL",
  agents_fts_vocab: "fts5vocab view of agents_fts's terms, read by the typo-tolerant search (src/core/search/typo.ts)",
  search_terms: "vocabulary for typo-tolerant search, maintained by triggers on agents and read by raw search SQL",
  search_terms_trigram: "FTS5 trigram index over search_terms, maintained by a trigger and queried with raw MATCH SQL",
  policy_epoch: "one counter bumped by triggers on installs and approvals, read with raw SQL by the runtime's policy cache",
};

interface ColumnShape {
  type: string;
  notNull: boolean;
  pk: boolean;
}
interface TableShape {
  columns: Record<string, ColumnShape>;
  /** Each UNIQUE constraint as its sorted column names joined by ",". */
  unique: string[];
}

const DRIZZLE_TABLES: SQLiteTable[] = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable));

/** User tables of the main schema: no sqlite_* internals, no FTS shadow tables. */
function sqlTables(sqlite: Database): string[] {
  return sqlite
    .query<{ name: string; type: string }, []>("SELECT name, type FROM pragma_table_list WHERE schema = 'main'")
    .all()
    .filter((t) => (t.type === "table" || t.type === "virtual") && !t.name.startsWith("sqlite_"))
    .map((t) => t.name);
}

function sqlShape(sqlite: Database, table: string): TableShape {
  const info = sqlite
    .query<{ name: string; type: string; notnull: number; pk: number }, [string]>("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
    .all(table);
  const columns: Record<string, ColumnShape> = {};
  // A primary key counts as NOT NULL on both sides: drizzle's primaryKey() implies it, and
  // SQLite only lets a non-INTEGER key hold NULL through a legacy quirk nothing here relies on.
  for (const c of info) columns[c.name] = { type: c.type.toUpperCase(), notNull: c.notnull === 1 || c.pk > 0, pk: c.pk > 0 };
  const unique = sqlite
    .query<{ name: string; unique: number; origin: string }, [string]>("SELECT name, \"unique\", origin FROM pragma_index_list(?)")
    .all(table)
    .filter((i) => i.unique === 1 && i.origin !== "pk") // the key itself is compared through `pk`
    .map((i) => sqlite.query<{ name: string }, [string]>("SELECT name FROM pragma_index_info(?)").all(i.name).map((c) => c.name).sort().join(","))
    .sort();
  return { columns, unique };
}

function drizzleShape(table: SQLiteTable): TableShape {
  const config = getTableConfig(table);
  const compositePk = new Set(config.primaryKeys.flatMap((k) => k.columns.map((c) => c.name)));
  const columns: Record<string, ColumnShape> = {};
  for (const c of config.columns) {
    const pk = c.primary || compositePk.has(c.name);
    columns[c.name] = { type: c.getSQLType().toUpperCase(), notNull: c.notNull || pk, pk };
  }
  const unique = [
    ...config.columns.filter((c) => c.isUnique).map((c) => c.name),
    ...config.uniqueConstraints.map((u) => u.columns.map((c) => c.name).sort().join(",")),
    ...config.indexes.filter((i) => i.config.unique).map((i) => i.config.columns.map((c) => ("name" in c ? c.name : "<expr>")).sort().join(",")),
  ].sort();
  return { columns, unique };
}

/** Every disagreement between the catalog's SQL schema and the drizzle tables, one line each. */
function mismatches(sqlite: Database, drizzleTables: SQLiteTable[]): string[] {
  const out: string[] = [];
  const inSql = new Set(sqlTables(sqlite));
  const byName = new Map(drizzleTables.map((t) => [getTableConfig(t).name, t]));
  for (const name of inSql) if (!byName.has(name) && !(name in NOT_MODELLED)) out.push(`${name}: SQL table without a drizzle table`);
  for (const name of Object.keys(NOT_MODELLED)) if (!inSql.has(name)) out.push(`${name}: listed as not modelled but no such SQL table`);
  for (const [name, table] of byName) {
    if (!inSql.has(name)) {
      out.push(`${name}: drizzle table without a SQL table`);
      continue;
    }
    const sql = sqlShape(sqlite, name);
    const orm = drizzleShape(table);
    for (const col of new Set([...Object.keys(sql.columns), ...Object.keys(orm.columns)])) {
      const s = sql.columns[col];
      const d = orm.columns[col];
      if (!d) out.push(`${name}.${col}: in SQL only`);
      else if (!s) out.push(`${name}.${col}: in drizzle only`);
      else if (JSON.stringify(s) !== JSON.stringify(d)) out.push(`${name}.${col}: SQL ${JSON.stringify(s)} vs drizzle ${JSON.stringify(d)}`);
    }
    if (JSON.stringify(sql.unique) !== JSON.stringify(orm.unique)) out.push(`${name} unique: SQL ${JSON.stringify(sql.unique)} vs drizzle ${JSON.stringify(orm.unique)}`);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "os-schema-"));
const opened: Array<{ close(): void }> = [];
afterAll(() => {
  for (const o of opened) o.close();
  rmSync(dir, { recursive: true, force: true });
});
/** A fresh catalog file opened the way the daemon opens it, plus any extra migrations. */
function freshCatalog(extra: string[] = []): Database {
  const migrations: Migration[] = [...MIGRATIONS, ...extra.map((sql, i) => ({ version: 1000 + i, name: `extra_${i}`, sql }))];
  const catalog = openDb(join(dir, `catalog-${opened.length}.db`), migrations);
  opened.push(catalog);
  return catalog.sqlite;
}

describe("src/db/schema.ts matches migrations/*.sql", () => {
  test("the migrations under test include 0003 (installs.run_intent, installs.autostart, web_sessions)", () => {
    const sqlite = freshCatalog();
    expect(sqlite.query<{ version: number }, []>("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(MIGRATIONS.map((m) => m.name)).toContain("0003_run_intent_and_web_sessions");
    expect(Object.keys(sqlShape(sqlite, "installs").columns)).toEqual(expect.arrayContaining(["run_intent", "autostart"]));
    expect(sqlTables(sqlite)).toContain("web_sessions");
  });

  test("same tables, columns, types, NOT NULL, primary keys and UNIQUE constraints", () => {
    expect(DRIZZLE_TABLES.length).toBeGreaterThanOrEqual(9);
    expect(mismatches(freshCatalog(), DRIZZLE_TABLES)).toEqual([]);
  });

  // The checker itself must be able to fail: drift introduced on either side is reported.
  test("a column added to SQL only, or dropped from SQL only, is reported", () => {
    const sqlite = freshCatalog(["ALTER TABLE installs ADD COLUMN note TEXT", "ALTER TABLE web_sessions DROP COLUMN csrf"]);
    expect(mismatches(sqlite, DRIZZLE_TABLES)).toEqual(["installs.note: in SQL only", "web_sessions.csrf: in drizzle only"]);
  });

  test("a changed NOT NULL flag, a new UNIQUE constraint and tables on one side only are reported", () => {
    const sqlite = freshCatalog([
      "CREATE TABLE extra_table (id INTEGER PRIMARY KEY)",
      "ALTER TABLE runs RENAME TO runs_old",
      "CREATE TABLE runs (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, pid INTEGER NOT NULL, pgid INTEGER, daemon_pid INTEGER NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, exit_code INTEGER, signal TEXT, reason TEXT)",
      "CREATE UNIQUE INDEX runs_started ON runs(started_at, agent_id)",
    ]);
    const ghost = sqliteTable("ghost", { id: integer("id").primaryKey() });
    expect(mismatches(sqlite, [...DRIZZLE_TABLES, ghost]).sort()).toEqual([
      "extra_table: SQL table without a drizzle table",
      "ghost: drizzle table without a SQL table",
      'runs unique: SQL ["agent_id,started_at"] vs drizzle []',
      'runs.pid: SQL {"type":"INTEGER","notNull":true,"pk":false} vs drizzle {"type":"INTEGER","notNull":false,"pk":false}',
      "runs_old: SQL table without a drizzle table",
    ]);
  });
});
