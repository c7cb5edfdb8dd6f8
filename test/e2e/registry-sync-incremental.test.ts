/**
 * Fast registry syncs (issue 13): a sync whose remote head did not move reads
 * nothing; one whose head moved forward reads only the files the trees differ
 * in. Both must leave exactly the catalog a full read of the same commit gives
 * (listings, entry errors, description, status), and every guarantee holds:
 * the entry cap, a bad registry.json refusing the whole sync without touching
 * the catalog, --force re-reading everything.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAppError } from "../../src/core/errors.ts";
import { Registries } from "../../src/core/registry/registries.ts";
import type { Services } from "../../src/core/services.ts";
import { type AgentRepo, cleanupTemp, commitAll, manifest, registryEntry, registryRepo, servicesFor, tempDir, testHome, updateRegistry } from "../helpers/git-fixtures.ts";

afterAll(cleanupTemp);

/** An agent that exists only as registry data (never cloned here). */
const agent = (id: string, version = "0.1.0"): AgentRepo => ({ dir: "", sha: "", url: `https://git.example.com/${id}.git`, manifest: manifest({ id, version }) });
const entry = (id: string, version?: string) => registryEntry(agent(id, version));

/** Everything a sync decides, in a form two catalogs can be compared by. */
function state(s: Services, name: string) {
  const rows = s.catalog.sqlite
    .query<Record<string, unknown>, [string]>("SELECT * FROM agents WHERE registry_name = ? ORDER BY key")
    .all(name)
    .map((r) => {
      const { pk: _pk, first_seen_at: _f, updated_at: _u, ...rest } = r;
      return rest;
    });
  const info = s.registries.get(name);
  return { rows, description: info.description, status: info.lastSyncStatus, commit: info.lastCommit, errors: info.entryErrors };
}

async function fullSyncState(url: string) {
  const s = servicesFor(testHome());
  s.registries.add({ name: "r", gitUrl: url }, { actor: "cli" });
  const r = await s.registries.sync("r", { actor: "cli" });
  expect(s.audit.query({ action: "registry.sync" })[0]!.details.read).toBe("full");
  return { result: r, state: state(s, "r") };
}

const lastRead = (s: Services) => s.audit.query({ action: "registry.sync" })[0]!.details.read;

describe("incremental registry sync", () => {
  const root = tempDir("os-regsync-inc-");

  test("unchanged head reads nothing; a moved head reads the changes; both end where a full read ends", async () => {
    const reg = registryRepo(root, {
      "com.example.a.json": entry("com.example.a"),
      "com.example.b.json": entry("com.example.b"),
      "com.example.c.json": entry("com.example.c"),
      "com.example.d.json": entry("com.example.d"),
      "com.example.bad1.json": "{ not json",
      "com.example.bad2.json": "{ not json", // same blob as bad1
      "com.example.fixme.json": "{ broken",
      "README.md": "ignored",
    });
    const s = servicesFor(testHome());
    s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    const first = await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("full");
    expect(first.added.sort()).toEqual(["com.example.a", "com.example.b", "com.example.c", "com.example.d"]);
    expect(first.errors.map((e) => e.file)).toEqual(["agents/com.example.bad1.json", "agents/com.example.bad2.json", "agents/com.example.fixme.json"]);

    // Same head: nothing read, same answer.
    const again = await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("unchanged");
    expect(again).toMatchObject({ status: "partial", added: [], updated: [], removed: [], unchanged: 4, errors: first.errors });
    expect(state(s, "r")).toEqual((await fullSyncState(reg.url)).state);

    // Moved head: modify, add, delete, break one, fix one, add a bad name, touch a non-entry, new description.
    updateRegistry(reg, {
      "com.example.a.json": entry("com.example.a", "0.2.0"),
      "com.example.e.json": entry("com.example.e"),
      "com.example.b.json": null,
      "com.example.c.json": JSON.stringify({ ...entry("com.example.c"), id: "com.example.other" }),
      "com.example.fixme.json": entry("com.example.fixme"),
      "Bad_Name.json": entry("com.example.a"),
      "notes.txt": "ignored too",
    });
    writeFileSync(join(reg.dir, "registry.json"), JSON.stringify({ registry_version: 1, name: "Fixture registry", description: "new description" }));
    commitAll(reg.dir, "description");
    const inc = await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("changes");
    expect(inc.added.sort()).toEqual(["com.example.e", "com.example.fixme"]);
    expect(inc.updated).toEqual(["com.example.a"]);
    expect(inc.removed.sort()).toEqual(["com.example.b", "com.example.c"]);
    expect(inc.unchanged).toBe(1);
    const full = await fullSyncState(reg.url);
    expect(inc.errors).toEqual(full.result.errors);
    expect(inc.errors.map((e) => e.file)).toEqual(["agents/Bad_Name.json", "agents/com.example.bad1.json", "agents/com.example.bad2.json", "agents/com.example.c.json"]);
    expect(state(s, "r")).toEqual(full.state);
    expect(state(s, "r").description).toBe("new description");
  });

  test("a bad registry.json refuses the sync and leaves the catalog as it was; the next good commit syncs", async () => {
    const reg = registryRepo(root, { "com.example.a.json": entry("com.example.a") });
    const s = servicesFor(testHome());
    s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    await s.registries.sync("r", { actor: "cli" });
    const before = state(s, "r");
    updateRegistry(reg, { "com.example.b.json": entry("com.example.b") });
    writeFileSync(join(reg.dir, "registry.json"), "{ nope");
    commitAll(reg.dir, "break registry.json");
    let code = "no error";
    try {
      await s.registries.sync("r", { actor: "cli" });
    } catch (e) {
      code = isAppError(e) ? e.code : String(e);
    }
    expect(code).toBe("invalid_argument");
    expect(state(s, "r").rows).toEqual(before.rows);
    expect(s.registries.get("r").lastSyncStatus).toBe("failed");
    writeFileSync(join(reg.dir, "registry.json"), JSON.stringify({ registry_version: 1, name: "Fixture registry" }));
    commitAll(reg.dir, "fix registry.json");
    const r = await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("changes");
    expect(r.added).toEqual(["com.example.b"]);
    expect(state(s, "r")).toEqual((await fullSyncState(reg.url)).state);
  });

  test("the entry cap (limits.max_registry_entries) holds for full and incremental reads", async () => {
    const reg = registryRepo(root, { "com.example.a.json": entry("com.example.a"), "com.example.b.json": "{ bad" });
    const h = testHome({ max_registry_entries: 3 });
    const s = servicesFor(h);
    s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    await s.registries.sync("r", { actor: "cli" });
    updateRegistry(reg, { "com.example.c.json": entry("com.example.c"), "com.example.d.json": entry("com.example.d") });
    let message = "";
    try {
      await s.registries.sync("r", { actor: "cli" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("registry has 4 entries, over the limit of 3");
    expect(state(s, "r").rows.map((r) => r.agent_id)).toEqual(["com.example.a"]);
    updateRegistry(reg, { "com.example.b.json": null });
    const r = await s.registries.sync("r", { actor: "cli" });
    expect(r.added.sort()).toEqual(["com.example.c", "com.example.d"]);
    expect(r.errors).toEqual([]);

    const small = servicesFor(testHome({ max_registry_entries: 2 }));
    small.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    let full = "";
    try {
      await small.registries.sync("r", { actor: "cli" });
    } catch (e) {
      full = (e as Error).message;
    }
    expect(full).toContain("registry has 3 entries, over the limit of 2");
  });

  test("the prepared upsert writes exactly what catalog.upsertListing writes, inserts and updates alike; first_seen_at is kept", async () => {
    const reg = registryRepo(root, { "com.example.a.json": entry("com.example.a"), "com.example.b.json": registryEntry(agent("com.example.b"), { deprecated: true, trust_score: null, publisher: null }) });
    const fast = servicesFor(testHome());
    const ref = servicesFor(testHome());
    const proto = Registries.prototype as unknown as { upsert: (this: { d: { catalog: Services["catalog"] } }, v: unknown) => void };
    const prepared = proto.upsert;
    const both = async () => {
      await fast.registries.sync("r", { actor: "cli" });
      proto.upsert = function (v) {
        this.d.catalog.upsertListing(v as Parameters<Services["catalog"]["upsertListing"]>[0]);
      };
      try {
        await ref.registries.sync("r", { actor: "cli" });
      } finally {
        proto.upsert = prepared;
      }
      expect(state(fast, "r")).toEqual(state(ref, "r"));
    };
    for (const s of [fast, ref]) s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    await both();
    const firstSeen = fast.catalog.sqlite.query<{ f: string }, []>("SELECT first_seen_at AS f FROM agents WHERE agent_id = 'com.example.b'").get()!.f;
    updateRegistry(reg, { "com.example.b.json": registryEntry(agent("com.example.b", "0.3.0"), { deprecated: false, keywords: ["other"] }) });
    await both();
    expect(fast.catalog.get("com.example.b").version).toBe("0.3.0");
    expect(fast.catalog.sqlite.query<{ f: string }, []>("SELECT first_seen_at AS f FROM agents WHERE agent_id = 'com.example.b'").get()!.f).toBe(firstSeen);
  });

  test("--force, a missing marker or other settings make the sync read everything", async () => {
    const reg = registryRepo(root, { "com.example.a.json": entry("com.example.a") });
    const h = testHome();
    const s = servicesFor(h);
    s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
    await s.registries.sync("r", { actor: "cli" });
    await s.registries.sync("r", { actor: "cli", force: true });
    expect(lastRead(s)).toBe("full");
    rmSync(join(h.home, "registries", "r", "opensentience-sync.json"));
    await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("full");
    await s.registries.sync("r", { actor: "cli" });
    expect(lastRead(s)).toBe("unchanged");
    // Another manifest size limit may change which entries are valid.
    writeFileSync(join(h.home, "config.json"), JSON.stringify({ limits: { git_timeout_ms: 30_000, max_manifest_bytes: 2048 } }));
    const s2 = servicesFor(h);
    await s2.registries.sync("r", { actor: "cli" });
    expect(lastRead(s2)).toBe("full");
  });
});
