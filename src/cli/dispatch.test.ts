import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildFixtureTree, type FixtureTree } from "../../test/fixtures/foundation/tree.ts";
import { VERSION } from "../version.ts";
import { runCli } from "./dispatch.ts";
import type { Io } from "./output.ts";

let tree: FixtureTree;
let env: Record<string, string>;

beforeAll(() => {
  tree = buildFixtureTree();
  // The first-run example registry is tested on its own (test/e2e/first-run.test.ts).
  env = { OPENSENTIENCE_HOME: join(tree.base, "home"), OPENSENTIENCE_SCAN_ROOTS: tree.root, OPENSENTIENCE_EXAMPLES: "0", HOME: tree.base, PATH: process.env.PATH ?? "" };
});
afterAll(() => rmSync(tree.base, { recursive: true, force: true }));

/** Runs the CLI in-process and captures both streams. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false };
  const code = await runCli(argv, io, env);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), errLines: err.flatMap((e) => e.split("\n")).filter(Boolean) };
}

describe("help and version", () => {
  test.each([[], ["--help"], ["-h"], ["help"]])("%j prints usage listing every command", async (...argv) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const c of ["serve", "discover", "agents list", "agents search", "agents info", "audit", "config show"]) expect(r.stdout).toContain(`  ${c}`);
  });

  test("--version and --version --json", async () => {
    expect((await cli("--version")).stdout).toBe(`opensentience ${VERSION} (dev)`);
    expect(JSON.parse((await cli("--version", "--json")).stdout)).toEqual({ version: VERSION, commit: "dev" });
  });

  test("command --help shows its options", async () => {
    const r = await cli("agents", "search", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage: opensentience agents search QUERY");
    expect(r.stdout).toContain("--min-trust VALUE");
  });
});

describe("group help (issue 17, finding 6)", () => {
  test.each([["agents"], ["agents", "--help"], ["agents", "-h"], ["tools", "--help"], ["tools"], ["registry"], ["registry", "--help"], ["config"], ["service", "--help"]])("%j lists the group's commands with summaries, exit 0", async (...argv) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toStartWith(`Usage: opensentience ${argv[0]} <command>`);
    const members = { agents: ["agents list", "agents info", "agents stop"], tools: ["tools list", "tools call"], registry: ["registry add", "registry sync"], config: ["config show"], service: ["service install", "service status"] }[argv[0] as string]!;
    for (const m of members) expect(r.stdout).toMatch(new RegExp(`^  ${m} +\\S`, "m"));
  });

  test("a command that is also a group: --help shows its own options then the group's commands", async () => {
    const r = await cli("token", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Usage: opensentience token [--rotate]");
    expect(r.stdout).toMatch(/^  --rotate +Replace the token/m);
    expect(r.stdout).toMatch(/^  token create +Create a client token/m);
    const a = await cli("audit", "--help");
    expect(a.stdout).toMatch(/^  --since VALUE +Only rows newer than T/m);
    expect(a.stdout).toMatch(/^  audit verify +Check/m);
  });

  test("every option of every command has a description in --help; --status lists its values", async () => {
    const { COMMANDS } = await import("./commands.ts");
    for (const c of COMMANDS) {
      for (const [k, o] of Object.entries(c.options ?? {})) expect({ cmd: c.path.join(" "), opt: k, description: o.description ?? "" }).toMatchObject({ description: expect.stringMatching(/\w{3}/) });
    }
    const r = await cli("agents", "list", "--help");
    expect(r.stdout).toMatch(/^  --status VALUE +Only agents in this state: .*installed, install_failed; or, as the running daemon knows it, running, stopped, crashed .*$/m);
    expect(r.stdout).toMatch(/^  --json +Machine-readable output$/m);
    expect((await cli("agents", "logs", "--help")).stdout).toMatch(/^  --follow, -f +Keep streaming/m);
  });

  test("a wrong subcommand still fails with a suggestion", async () => {
    const r = await cli("agents", "bogus", "--help");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'agents bogus'");
  });
});

describe("usage errors: exit 2, one line on stderr", () => {
  test.each([
    [["agnts", "list"], "Did you mean 'agents list'?"],
    [["agents", "lst"], "Did you mean 'agents list'?"],
    [["agents", "serch", "x"], "Did you mean 'agents search'?"],
    [["discovr"], "Did you mean 'discover'?"],
    [["audti"], "Did you mean 'audit'?"],
    [["confg", "show"], "Did you mean 'config show'?"],
    [["frobnicate"], "(see: opensentience --help)"],
  ])("unknown command %j suggests the closest", async (argv, hint) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.errLines).toHaveLength(1);
    expect(r.stderr).toStartWith("opensentience: unknown command");
    expect(r.stderr).toContain(hint);
  });

  test.each([
    [["agents", "list", "--bogus"], "unknown option '--bogus' (see: opensentience agents list --help)"],
    [["agents", "list", "--limt", "3"], "unknown option '--limt' (did you mean '--limit'?) (see: opensentience agents list --help)"],
    [["discover", "--verbose"], "unknown option '--verbose'"],
    [["agents", "list", "--limit"], "option '--limit' needs a value"],
    [["agents", "list", "--json=yes"], "option '--json' does not take a value"],
    [["agents", "list", "--limit", "0"], "--limit must be an integer from 1 to 1000"],
    [["agents", "list", "--limit", "abc"], "--limit must be an integer"],
    [["agents", "list", "--status", "sleeping"], "--status must be one of"],
    [["agents", "list", "--source", "cloud"], "--source must be local or remote"],
    [["agents", "list", "--min-trust", "2"], "--min-trust must be a number from 0 to 1"],
    [["agents", "search"], "'agents search' takes 1 argument, got 0"],
    [["agents", "info", "a", "b"], "'agents info' takes 1 argument, got 2"],
    [["audit", "--since", "yesterday"], "--since must be an ISO time or an age"],
    [["serve", "--host", "0.0.0.0"], "refusing to listen on 0.0.0.0"],
  ])("%j", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.errLines).toHaveLength(1);
    expect(r.stderr).toStartWith("opensentience: ");
    expect(r.stderr).toContain(message);
  });

  test("in --json mode the error is one JSON line on stderr", async () => {
    const r = await cli("agents", "list", "--bogus", "--json");
    expect(r.code).toBe(2);
    expect(r.errLines).toHaveLength(1);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: "usage", message: expect.stringContaining("--bogus") } });
  });
});

describe("commands against the fixture tree", () => {
  test("discover, then list / search / info / audit in --json parse", async () => {
    const d = await cli("discover", "--json");
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ found: 12, roots: [tree.root] });
    const list = JSON.parse((await cli("agents", "list", "--json", "--limit", "100")).stdout);
    expect(list.total).toBe(12);
    const search = JSON.parse((await cli("agents", "search", "commit", "--json")).stdout);
    expect(search.agents[0].id).toBe("com.example.git_commit");
    const info = JSON.parse((await cli("agents", "info", "com.example.git_commit", "--json")).stdout);
    expect(info).toMatchObject({ id: "com.example.git_commit", path: tree.dirs.gitCommit, verification: null, trustScore: null });
    expect(info.manifest.x_unknown_fields).toEqual({ x_homepage_color: "teal" });
    const audit = JSON.parse((await cli("audit", "--json", "--action", "discovery.run")).stdout);
    expect(audit.events[0]).toMatchObject({ actor: "cli", action: "discovery.run" });
    const cfg = JSON.parse((await cli("config", "show", "--json")).stdout);
    expect(cfg).toMatchObject({ home: env.OPENSENTIENCE_HOME, scan_roots: [tree.root], sources: { scan_roots: "env" } });
  });

  test("human discover output names every invalid manifest and hazard", async () => {
    const r = await cli("discover", tree.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Scanned 1 root \(\d+ directories\) in \d+ ms: 12 manifests, 0 new, 0 updated, 12 unchanged, 0 missing, 7 invalid\./);
    for (const frag of ["bad/bad-json/", "bad/id-dotdot/", "bad/proto-pollution/", "hazards/big/", "manifest is a symlink; not followed", "manifest is not a regular file; not read", "duplicate id org.team.summarizer"]) {
      expect(r.stdout).toContain(frag);
    }
  });

  test("info on an unknown id: exit 1, one line with a hint", async () => {
    const r = await cli("agents", "info", "com.nope.x");
    expect(r.code).toBe(1);
    expect(r.errLines).toEqual(["opensentience: no agent 'com.nope.x' in the catalog (see: opensentience agents list; after adding a registry: opensentience registry sync)"]);
  });

  test("human list is an aligned table; invalid rows show their first problem", async () => {
    const r = await cli("agents", "list", "--status", "invalid");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+VERSION\s+STATUS\s+SOURCE\s+DESCRIPTION$/);
    expect(lines.slice(1)).toHaveLength(7);
    expect(r.stdout).toContain("(file): not valid JSON");
  });
});
