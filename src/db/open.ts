import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { AppError } from "../core/errors.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import * as schema from "./schema.ts";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

export interface OpenedDb {
  sqlite: Database;
  db: Db;
  close(): void;
}

/**
 * Opens (creating if needed) the catalog, sets the pragmas every connection
 * needs, and applies pending migrations in one transaction each.
 */
export function openDb(path: string, migrations: readonly Migration[] = MIGRATIONS): OpenedDb {
  let sqlite: Database;
  try {
    sqlite = new Database(path, { create: true, strict: true });
  } catch (e) {
    throw new AppError("io", `cannot open catalog ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    sqlite.exec("PRAGMA journal_mode = WAL");
    sqlite.exec("PRAGMA busy_timeout = 5000");
    sqlite.exec("PRAGMA foreign_keys = ON");
    sqlite.exec("PRAGMA synchronous = NORMAL");
    migrate(sqlite, migrations);
  } catch (e) {
    sqlite.close();
    if (e instanceof AppError) throw e;
    throw new AppError("io", `catalog ${path}: ${(e as Error).message}`, { cause: e });
  }
  const db = drizzle(sqlite, { schema });
  return { sqlite, db, close: () => sqlite.close() };
}

function migrate(sqlite: Database, migrations: readonly Migration[]): void {
  sqlite.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    sqlite.query<{ version: number }, []>("SELECT version FROM schema_migrations").all().map((r) => r.version),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new AppError("conflict", `catalog schema v${newest} is newer than this binary supports (v${known}); upgrade opensentience`);
  }
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE so two processes starting together cannot both apply a migration.
    sqlite.transaction(() => {
      const again = sqlite.query("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version);
      if (again) return;
      sqlite.exec(m.sql);
      m.after?.(sqlite);
      sqlite.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}
