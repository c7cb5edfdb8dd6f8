/**
 * Bun macro (runs when the code is bundled or transpiled, never at run time):
 * the highest migration number in migrations/. Lets `agents list` check that
 * a catalog is current without loading every migration's SQL (CLI start,
 * issue 13). test/db/latest-migration.test.ts proves it equals MIGRATIONS.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function latestMigrationVersion(): number {
  const numbers = readdirSync(join(import.meta.dir, "../../migrations"))
    .map((f) => /^(\d{4})_.*\.sql$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  return Math.max(...numbers);
}
