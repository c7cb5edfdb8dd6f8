import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/fixtures/foundation/tree.ts";
import { loadConfig } from "../core/config/load.ts";
import { createServices } from "../core/services.ts";
import { localPageDirect } from "./agents-search.ts";

let home: string;
const env = () => ({ OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: "", OPENSENTIENCE_EXAMPLES: "0" });

beforeAll(() => {
  home = tempDir("os-agents-search-");
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("agents list/search read the catalog directly only when nothing else must answer", () => {
  test("no catalog yet: the full path (it creates and migrates one)", async () => {
    expect(await localPageDirect(env(), {})).toBeNull();
  });

  test("a migrated catalog: the same page as the search service", async () => {
    const s = createServices(loadConfig({ env: env() }));
    s.store.sqlite.run("INSERT INTO agents (key, source, status, name, capabilities_json, first_seen_at, updated_at) VALUES ('local:/x', 'local', 'local_uninstalled', 'X agent', '[\"tools\"]', '2026-01-01', '2026-01-01')");
    const viaService = s.search.search({ capability: "tools" });
    s.close();
    expect(viaService.total).toBe(1);
    expect(await localPageDirect(env(), { capability: "tools" })).toEqual(viaService);
  });

  test("a config file or a daemon file: the full path", async () => {
    for (const f of ["config.json", "daemon.json"]) {
      writeFileSync(join(home, f), "{}");
      expect(await localPageDirect(env(), {})).toBeNull();
      unlinkSync(join(home, f));
    }
    expect(await localPageDirect(env(), {})).not.toBeNull();
  });

  test("the first-run examples registry still to be made: the full path (it seeds under the lock)", async () => {
    const { OPENSENTIENCE_EXAMPLES: _, ...withExamples } = env();
    expect(await localPageDirect(withExamples, {})).toBeNull();
    writeFileSync(join(home, ".examples-registry-created"), "skipped\n");
    expect(await localPageDirect(withExamples, {})).not.toBeNull();
    unlinkSync(join(home, ".examples-registry-created"));
  });

  test("a catalog with migrations pending: the full path", async () => {
    const s = createServices(loadConfig({ env: env() }));
    s.store.sqlite.run("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)");
    s.close();
    expect(await localPageDirect(env(), {})).toBeNull();
  });
});
