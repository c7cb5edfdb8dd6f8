/**
 * Done-when test for the foundation: the BUILT binary, from a temp cwd with a temp
 * OPENSENTIENCE_HOME, discovers the fixture tree, answers list/search/info/audit in
 * human and --json form, and runs `serve` (single-instance lock, daemon.json 0600,
 * manifest watcher, clean SIGTERM shutdown).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildFixtureTree, type FixtureTree, manifest, VALID_IDS, writeManifest } from "../fixtures/foundation/tree.ts";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";

let tree: FixtureTree;
let box: Sandbox;
const run = (...args: string[]) => runBinary(args, { sandbox: box });
const ok = (...args: string[]) => runOk(args, { sandbox: box });

interface Page {
  total: number;
  agents: Array<{ id: string | null; name: string; status: string; source: string; path: string; errors: unknown[] }>;
}

beforeAll(async () => {
  await binaryPath(); // build (if stale) before the first timed command
  tree = buildFixtureTree();
  box = makeSandbox({ scanRoots: [tree.root, join(tree.base, "not-there-yet")] });
});
afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
  if (tree) rmSync(tree.base, { recursive: true, force: true });
});

describe("foundation through the compiled binary", () => {
  test("--version, --help; nothing is written to the cwd", async () => {
    expect((await ok("--version")).stdout).toMatch(/^opensentience \d+\.\d+\.\d+ \(\S+\)\n$/);
    expect((await ok("--help")).stdout).toContain("agents search QUERY");
    const unknown = await run("agents", "lst");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("opensentience: unknown command 'agents lst'. Did you mean 'agents list'? (see: opensentience --help)\n");
  });

  test("discover: human report, then --json rescan with everything unchanged", async () => {
    const human = await run("discover");
    expect(human.code).toBe(0);
    expect(human.stderr).toBe("");
    expect(human.stdout).toMatch(/^Scanned 2 roots \(\d+ directories\) in \d+ ms: 12 manifests, 12 new, 0 updated, 0 unchanged, 0 missing, 7 invalid\.\n/);
    expect(human.stdout).toContain(`? ${join(tree.base, "not-there-yet")}: scan root does not exist`);
    expect(human.stdout).toContain("manifest is a symlink; not followed");
    expect(human.stdout).toContain("manifest is not a regular file; not read");
    expect(human.stdout).toContain("over the 262144-byte limit");
    expect(human.stdout).toContain("duplicate id org.team.summarizer");

    const again = await run("discover", "--json");
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    const r = again.json<{ found: number; added: string[]; updated: string[]; unchanged: number; invalid: Array<{ problems: unknown[] }> }>();
    expect(r).toMatchObject({ found: 12, added: [], updated: [], unchanged: 12 });
    expect(r.invalid).toHaveLength(7);
    for (const i of r.invalid) expect(i.problems.length).toBeGreaterThan(0);
    expect(readdirNames(box.cwd)).toEqual([]);
  });

  test("discovery ran nothing from the agents (mix.exs / lib markers absent)", () => {
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_mix_exs_evaluated"))).toBe(false);
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_lib_compiled"))).toBe(false);
  });

  test("agents list: human table and --json page", async () => {
    const human = await ok("agents", "list", "--status", "local_uninstalled");
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+VERSION\s+STATUS\s+SOURCE\s+DESCRIPTION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual([...VALID_IDS, "org.team.summarizer"].sort());

    const page = (await ok("agents", "list", "--json", "--limit", "5")).json<Page>();
    expect(page.total).toBe(12);
    expect(page.agents).toHaveLength(5);
    const all = (await ok("agents", "list", "--json", "--limit", "100")).json<Page>();
    expect(new Set(all.agents.map((a) => a.id).filter(Boolean))).toEqual(new Set([...VALID_IDS, "com.example.proto", "com.example.wrong_types"]));
    expect(all.agents.filter((a) => a.status === "invalid")).toHaveLength(7);
  });

  test("agents search: ranked, filterable, hostile queries answered", async () => {
    const page = (await ok("agents", "search", "commit", "--json")).json<Page>();
    expect(page.agents.map((a) => a.id)).toEqual(["com.example.git_commit", "org.team.summarizer"]);
    expect((await ok("agents", "search", "commit", "--integration", "gitlab", "--json")).json<Page>().agents.map((a) => a.id)).toEqual(["com.example.git_commit"]);
    expect((await ok("agents", "search", "summ", "--capability", "streaming", "--json")).json<Page>().total).toBe(1);
    expect((await ok("agents", "list", "--source", "remote", "--json")).json<Page>().total).toBe(0);
    const human = await ok("agents", "search", "weather");
    expect(human.stdout).toContain("com.example.weather");
    for (const q of ['"', "NEAR(", "*", "a OR b", "col:x"]) {
      const r = await run("agents", "search", q, "--json");
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      r.json();
    }
    expect((await ok("agents", "search", "*")).stdout).toBe("No agents found.\n");
  });

  test("agents info: human detail and --json", async () => {
    const human = await ok("agents", "info", "com.example.git_commit");
    expect(human.stdout).toMatch(/^id\s+com\.example\.git_commit$/m);
    expect(human.stdout).toMatch(/^path\s+.*\/git-commit$/m);
    expect(human.stdout).toContain("suggest_message  Suggest a message for the staged diff");
    expect(human.stdout).toContain("[ ] filesystem:read:~/Projects");
    const info = (await ok("agents", "info", "com.example.git_commit", "--json")).json<Record<string, unknown>>();
    expect(info).toMatchObject({
      id: "com.example.git_commit",
      version: "0.3.1",
      source: "local",
      status: "local_uninstalled",
      verification: null, // self-declared in the manifest: ignored
      trustScore: null,
      permissionsRequested: ["filesystem:read:~/Projects", "env:read:GIT_AUTHOR_NAME"],
      gitUrl: "https://example.com/acme/git-commit-agent.git",
    });
    const dup = (await ok("agents", "info", "org.team.summarizer", "--json")).json<{ path: string; otherListings: Array<{ path: string }> }>();
    expect(dup.path).toBe(tree.dirs.summarizer);
    expect(dup.otherListings.map((o) => o.path)).toEqual([tree.dirs.summarizerFork]);
    const missing = await run("agents", "info", "com.example.nope", "--json");
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: "not_found" } });
  });

  test("audit: human and --json with filters", async () => {
    const human = await ok("audit", "--limit", "1");
    expect(human.stdout).toMatch(/^TIME\s+ACTOR\s+ACTION\s+AGENT\s+OUTCOME\s+DETAILS\n.*cli\s+discovery\.run/);
    const events = (await ok("audit", "--json", "--action", "discovery.run", "--since", "1h")).json<{ events: Array<{ action: string; actor: string; details: Record<string, unknown> }> }>().events;
    expect(events).toHaveLength(2);
    expect(events[0]!.details).toMatchObject({ found: 12, unchanged: 12 });
    expect((await ok("audit", "--json", "--agent", "com.example.nope")).json<{ events: unknown[] }>().events).toEqual([]);
    expect((await ok("audit", "--json", "--since", "2999-01-01")).json<{ events: unknown[] }>().events).toEqual([]);
    expect((await ok("audit", "--action", "nothing.like.this")).stdout).toBe("No audit events match.\n");
  });

  test("serve: single instance, daemon.json 0600, watcher picks up a new manifest, clean SIGTERM", async () => {
    const d = await startServe({ sandbox: box });
    const daemonFile = join(box.home, "daemon.json");
    expect(statSync(daemonFile).mode & 0o777).toBe(0o600);
    expect(d.info.pid).toBe(d.pid);
    expect(d.info.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(Number.isNaN(Date.parse(d.info.started_at))).toBe(false);
    expect(() => new URL(d.info.url)).not.toThrow();
    expect(Object.keys(d.info)).toEqual(expect.arrayContaining(["url", "pid", "nonce", "started_at"]));

    // A second daemon with the same home refuses to start.
    const second = await runBinary(["serve", "--port", "0"], { sandbox: box, timeoutMs: 10_000 });
    expect(second.timedOut).toBe(false);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(second.stderr).toContain(`another opensentience daemon is running (pid ${d.pid})`);
    expect(box.daemonFile()?.nonce).toBe(d.info.nonce);

    // Starting ran discovery; still nothing from the agents was executed.
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_mix_exs_evaluated"))).toBe(false);
    expect(existsSync(join(tree.dirs.mixMarker, "MARKER_lib_compiled"))).toBe(false);

    // The watcher: a manifest written while the daemon runs shows up in the catalog.
    writeManifest(tree.root, "fresh/agent", manifest("com.example.fresh", { name: "Fresh Arrival", keywords: ["newcomer"] }));
    const found = await waitFor(
      async () => {
        const r = await run("agents", "search", "newcomer", "--json");
        return r.code === 0 && r.json<Page>().agents[0]?.id === "com.example.fresh" ? r : null;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: "the watcher to catalog com.example.fresh" },
    );
    expect(found.json<Page>().agents[0]!.path).toBe(join(tree.root, "fresh/agent"));

    // And a removed one goes missing.
    rmSync(join(tree.root, "weather"), { recursive: true });
    await waitFor(async () => (await ok("agents", "info", "com.example.weather", "--json")).json<{ status: string }>().status === "missing", {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: "the watcher to mark com.example.weather missing",
    });

    const code = await d.stop("SIGTERM");
    expect(code).toBe(0);
    expect(existsSync(daemonFile)).toBe(false);
    expect(existsSync(join(box.home, "daemon.lock"))).toBe(false);
    expect(d.stderr()).toContain("shutting down (SIGTERM)");
    expect(d.stderr()).not.toMatch(/\n\s+at /); // no stack traces in the log

    const actions = (await ok("audit", "--json", "--limit", "50")).json<{ events: Array<{ action: string }> }>().events.map((e) => e.action);
    expect(actions).toContain("daemon.start");
    expect(actions[0]).toBe("daemon.stop");

    // The lock is free again: a new daemon starts and stops.
    const again = await startServe({ sandbox: box });
    expect(again.info.nonce).not.toBe(d.info.nonce);
    expect(await again.stop()).toBe(0);
  });

  test("errors are one line on stderr, no stack: corrupt config exits 1", async () => {
    await Bun.write(join(box.home, "config.json"), '{"port": 6767,');
    try {
      const r = await run("agents", "list");
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^opensentience: \/.*\/config\.json: not valid JSON \(.*\)\n$/);
      const j = await run("agents", "list", "--json");
      expect(j.code).toBe(1);
      expect(JSON.parse(j.stderr)).toMatchObject({ error: { code: "invalid_config" } });
      const s = await run("serve", "--port", "0");
      expect(s.code).toBe(1);
      expect(s.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(box.daemonFile()).toBeNull();
    } finally {
      rmSync(join(box.home, "config.json"));
    }
  });
});

function readdirNames(dir: string): string[] {
  return [...new Bun.Glob("*").scanSync({ cwd: dir, dot: true, onlyFiles: false })];
}
