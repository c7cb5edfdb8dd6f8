import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFixtureTree, type FixtureTree, MANIFEST, manifest, tempDir, VALID_IDS, writeManifest } from "../../../test/fixtures/foundation/tree.ts";
import type { Clock } from "../clock.ts";
import { loadConfig } from "../config/load.ts";
import { createServices, type Services } from "../services.ts";
import { Discovery } from "./discovery.ts";

/** A clock that moves one second per reading, so any row rewrite changes updated_at. */
function steppingClock(): Clock {
  let t = Date.parse("2026-01-01T00:00:00Z");
  return { now: () => t, iso: () => new Date((t += 1000)).toISOString() };
}

interface Env {
  tree: FixtureTree;
  s: Services;
}
const open: Env[] = [];
afterEach(() => {
  for (const e of open.splice(0)) {
    e.s.close();
    rmSync(e.tree.base, { recursive: true, force: true });
  }
});

function setup(opts?: Parameters<typeof buildFixtureTree>[0]): Env {
  const tree = buildFixtureTree(opts);
  const config = loadConfig({ env: { OPENSENTIENCE_HOME: join(tree.base, "home"), OPENSENTIENCE_SCAN_ROOTS: tree.root } });
  const e = { tree, s: createServices(config, steppingClock()) };
  open.push(e);
  return e;
}

type Row = { key: string; agent_id: string | null; status: string; updated_at: string; duplicate_of: string | null; errors_json: string };
const rows = (s: Services) => s.store.sqlite.query<Row, []>("SELECT key, agent_id, status, updated_at, duplicate_of, errors_json FROM agents ORDER BY key").all();
const rowFor = (s: Services, dir: string) => rows(s).find((r) => r.key === `local:${dir}`);

describe("discovery over the hostile fixture tree", () => {
  test("indexes valid agents, records each bad manifest as invalid with its problems, reports hazards, crashes on nothing", () => {
    const { s, tree } = setup();
    const r = s.discovery.run();
    expect(r.found).toBe(12);
    expect(r.added).toHaveLength(12);
    const ids = new Set(rows(s).filter((x) => x.status === "local_uninstalled").map((x) => x.agent_id));
    expect([...ids].sort()).toEqual([...VALID_IDS]);
    // Invalid manifests: all six hostile ones plus the 5 MB one, each with a reason.
    expect(r.invalid.map((i) => i.path.slice(tree.root.length + 1)).sort()).toEqual(
      ["bad-json", "id-dash", "id-dotdot", "id-upper", "proto-pollution", "wrong-types"].map((n) => `bad/${n}/${MANIFEST}`).concat(`hazards/big/${MANIFEST}`).sort(),
    );
    for (const i of r.invalid) expect(i.problems.length).toBeGreaterThan(0);
    expect(r.problems.map((p) => p.problem).sort()).toEqual(["manifest is a symlink; not followed", "manifest is not a regular file; not read"]);
    // Hostile ids never become an agent id, so never a path component downstream.
    for (const row of rows(s)) expect(row.agent_id === null || /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/.test(row.agent_id)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing outside the root, nothing from node_modules/_build.
    expect(rows(s).some((x) => x.agent_id === "com.example.outside" || x.agent_id === "com.example.in_node_modules" || x.agent_id === "com.example.in_build")).toBe(false);
  });

  test("duplicate ids are reported; the first path is primary, the other points to it", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    const r = s.discovery.run();
    expect(r.duplicates).toEqual([{ id: "org.team.summarizer", paths: [tree.dirs.summarizer, tree.dirs.summarizerFork] }]);
    expect(rowFor(s, tree.dirs.summarizer)!.duplicate_of).toBeNull();
    expect(rowFor(s, tree.dirs.summarizerFork)!.duplicate_of).toBe(tree.dirs.summarizer);
    expect(s.catalog.get("org.team.summarizer").path).toBe(tree.dirs.summarizer);
    // Remove the primary: the fork becomes the only listing and loses its duplicate mark.
    rmSync(tree.dirs.summarizer, { recursive: true });
    const r2 = s.discovery.run();
    expect(r2.missing).toEqual([tree.dirs.summarizer]);
    expect(r2.duplicates).toEqual([]);
    expect(rowFor(s, tree.dirs.summarizerFork)!.duplicate_of).toBeNull();
  });

  test("discovery executes nothing: the mix.exs / lib marker files never appear", () => {
    const { s, tree } = setup();
    s.discovery.run();
    s.discovery.run();
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_mix_exs_evaluated"))).toBe(false);
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_lib_compiled"))).toBe(false);
    expect(s.catalog.get("com.example.mix_marker").status).toBe("local_uninstalled");
  });

  test("each run is audited with its counts", () => {
    const { s } = setup();
    s.discovery.run({ actor: "cli", correlationId: "c-1" });
    const [ev] = s.audit.query({ action: "discovery.run" });
    expect(ev).toMatchObject({ actor: "cli", outcome: "ok", correlationId: "c-1" });
    expect(ev!.details).toMatchObject({ found: 12, added: 12, invalid: 7, duplicates: ["org.team.summarizer"] });
  });

  test("a watcher's rescan (quietWhenUnchanged) is audited only when it changed something; an asked-for rescan always is", () => {
    const { s, tree } = setup();
    const count = () => s.audit.query({ action: "discovery.run" }).length;
    s.discovery.run({ quietWhenUnchanged: true });
    expect(count()).toBe(1); // the first scan added every listing
    s.discovery.run({ quietWhenUnchanged: true });
    s.discovery.run({ quietWhenUnchanged: true });
    expect(count()).toBe(1);
    writeManifest(tree.root, "later", manifest("com.example.later"));
    expect(s.discovery.run({ quietWhenUnchanged: true }).added).toHaveLength(1);
    expect(count()).toBe(2);
    s.discovery.run({ actor: "cli" });
    expect(count()).toBe(3);
  });
});

describe("rescans keep the catalog consistent", () => {
  test("nothing changed: everything unchanged, no row rewritten (updated_at identical), invalid ones still reported with problems", () => {
    const { s } = setup();
    const first = s.discovery.run();
    const before = rows(s);
    const again = s.discovery.run();
    expect(again.added).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.missing).toEqual([]);
    expect(again.unchanged).toBe(first.found);
    expect(rows(s)).toEqual(before);
    expect(again.invalid.map((i) => i.path).sort()).toEqual(first.invalid.map((i) => i.path).sort());
    for (const i of again.invalid) expect(i.problems).toEqual(first.invalid.find((f) => f.path === i.path)!.problems);
    expect(again.problems).toEqual(first.problems);
  });

  test("fixing a broken manifest updates its row to a valid listing", () => {
    const { s, tree } = setup();
    s.discovery.run();
    const dir = join(tree.root, "bad/bad-json");
    expect(rowFor(s, dir)!.status).toBe("invalid");
    writeManifest(tree.root, "bad/bad-json", manifest("com.example.bad_json", { name: "Fixed now" }));
    const r = s.discovery.run();
    expect(r.updated).toEqual([dir]);
    expect(rowFor(s, dir)).toMatchObject({ status: "local_uninstalled", agent_id: "com.example.bad_json", errors_json: "[]" });
    expect(s.search.search({ query: "fixed" }).agents.map((a) => a.id)).toEqual(["com.example.bad_json"]);
  });

  test("breaking a valid manifest makes it invalid (not dropped), with its problems", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    writeFileSync(join(tree.dirs.weather, MANIFEST), '{"manifest_version": 1, "id": "com.example.weather"');
    const r = s.discovery.run();
    expect(r.updated).toEqual([tree.dirs.weather]);
    expect(rowFor(s, tree.dirs.weather)).toMatchObject({ status: "invalid", agent_id: null });
    expect(JSON.parse(rowFor(s, tree.dirs.weather)!.errors_json)[0].message).toStartWith("not valid JSON");
  });

  test("a vanished agent becomes missing, and comes back when it reappears", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    renameSync(tree.dirs.weather, `${tree.base}/parked`);
    const r = s.discovery.run();
    expect(r.missing).toEqual([tree.dirs.weather]);
    expect(s.catalog.get("com.example.weather").status).toBe("missing");
    expect(s.search.search({ status: "missing" }).agents.map((a) => a.id)).toEqual(["com.example.weather"]);
    // Missing stays missing without being re-reported.
    expect(s.discovery.run().missing).toEqual([]);
    renameSync(`${tree.base}/parked`, tree.dirs.weather);
    const back = s.discovery.run();
    expect(back.updated).toEqual([tree.dirs.weather]);
    expect(s.catalog.get("com.example.weather").status).toBe("local_uninstalled");
  });

  test("a scan root that disappears marks its agents missing; a root that never existed is just reported", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    renameSync(tree.root, `${tree.base}/moved`);
    const r = s.discovery.run();
    expect(r.problems).toEqual([{ path: tree.root, problem: "scan root does not exist" }]);
    expect(r.missing).toHaveLength(5);
  });

  test("only the scanned root's listings can go missing (scanning another path leaves them alone)", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    const other = tempDir();
    try {
      writeManifest(other, "x", manifest("com.example.elsewhere"));
      const r = s.discovery.run({ paths: [other] });
      expect(r.added).toEqual([join(other, "x")]);
      expect(r.missing).toEqual([]);
      expect(s.catalog.get("com.example.weather").status).toBe("local_uninstalled");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    void tree;
  });

  test("content unchanged but mtime moved: counted unchanged and stat refreshed so the next scan skips reading", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(tree.dirs.weather, MANIFEST), future, future);
    const r = s.discovery.run();
    expect(r.updated).toEqual([]);
    expect(r.unchanged).toBe(5);
    const before = rows(s);
    expect(s.discovery.run().unchanged).toBe(5);
    expect(rows(s)).toEqual(before);
  });

  test("an oversized manifest that stays oversized is not rewritten on every rescan", () => {
    const { s, tree } = setup();
    s.discovery.run();
    const big = rowFor(s, join(tree.root, "hazards/big"))!;
    const r = s.discovery.run();
    expect(r.updated).toEqual([]);
    expect(rowFor(s, join(tree.root, "hazards/big"))).toEqual(big);
    expect(r.invalid.find((i) => i.path.endsWith(`hazards/big/${MANIFEST}`))!.problems[0]!.message).toContain("over the 262144-byte limit");
  });

  test("agents below a directory that could not be scanned are not marked missing", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    // A tighter depth limit hides team/tools/* (depth 3): unknown, not missing.
    const shallow = new Discovery(s.catalog, s.audit, s.clock, { ...s.config.limits, max_scan_depth: 2 }, () => [tree.root]);
    const r = shallow.run();
    expect(r.missing).toEqual([]);
    expect(r.problems.some((p) => p.problem.includes("max_scan_depth"))).toBe(true);
    expect(rowFor(s, tree.dirs.summarizer)!.status).toBe("local_uninstalled");
  });

  test("overlapping roots list each manifest once", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    const r = s.discovery.run({ paths: [tree.root, join(tree.root, "team"), tree.root] });
    expect(r.roots).toEqual([tree.root, join(tree.root, "team")]);
    expect(r.found).toBe(5);
    expect(rows(s)).toHaveLength(5);
  });

  test("a manifest that becomes unreadable between runs is reported, not fatal (root only: skipped when mode bits bind)", () => {
    const { s, tree } = setup({ bad: false, hazards: false });
    s.discovery.run();
    // As root, mode 000 still reads; this checks the path is at least harmless. The
    // unprivileged case runs in test/e2e/foundation-hazards.test.ts through setpriv.
    chmodSync(join(tree.dirs.weather, MANIFEST), 0o000);
    expect(() => s.discovery.run()).not.toThrow();
    chmodSync(join(tree.dirs.weather, MANIFEST), 0o644);
  });
});

describe("installed copies are not listed again", () => {
  test("agents/<id>/src|next|prev under the data dir are skipped; other folders there are scanned", () => {
    const home = mkdtempSync(join(tmpdir(), "osdisc-"));
    const agentsDir = join(home, "agents");
    const manifest = (id: string) => JSON.stringify({ manifest_version: 1, id, name: id, version: "1.0.0" });
    for (const sub of ["src", "next", "prev"]) {
      mkdirSync(join(agentsDir, "com.x.installed", sub), { recursive: true });
      writeFileSync(join(agentsDir, "com.x.installed", sub, "opensentience.agent.json"), manifest("com.x.installed"));
    }
    mkdirSync(join(agentsDir, "my-dropped-agent"), { recursive: true });
    writeFileSync(join(agentsDir, "my-dropped-agent", "opensentience.agent.json"), manifest("com.x.dropped"));
    const svc = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: agentsDir } }));
    const r = svc.discovery.run();
    expect(r.added).toEqual([join(agentsDir, "my-dropped-agent")]);
    svc.close();
    rmSync(home, { recursive: true, force: true });
  });
});
