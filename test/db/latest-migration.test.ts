import { expect, test } from "bun:test";
import { latestMigrationVersion } from "../../src/db/latest-migration.macro.ts" with { type: "macro" };
import { MIGRATIONS } from "../../src/db/migrations.ts";

test("the bundle-time latest migration number is the last migration the catalog applies", () => {
  expect(latestMigrationVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
});
