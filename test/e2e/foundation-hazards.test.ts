/**
 * Hostile filesystems and configs through the compiled binary: unreadable roots
 * (as an unprivileged user, since root ignores file modes), bad config files, and
 * a live check that the mix marker fixture really would fire if evaluated.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildFixtureTree, FIXTURES_DIR, manifest, MANIFEST, tempDir, writeManifest } from "../fixtures/foundation/tree.ts";
import { canDropPrivileges, handSandboxTo, makeSandbox, NOBODY, runBinary, type Sandbox } from "../helpers/binary.ts";

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.splice(0)) c();
});
function sandbox(opts?: Parameters<typeof makeSandbox>[0]): Sandbox {
  const box = makeSandbox(opts);
  cleanups.push(box.cleanup);
  return box;
}

interface Report {
  found: number;
  added: string[];
  missing: string[];
  invalid: Array<{ path: string; problems: Array<{ path: string; message: string }> }>;
  problems: Array<{ path: string; problem: string }>;
}

describe("bad config files: exit 1, one line naming the file and field, no stack", () => {
  test.each([
    ["corrupt JSON", '{"scan_roots": ["/x"', /config\.json: not valid JSON \(/],
    ["not an object", "[1, 2]", /config\.json: must be a JSON object$/],
    ["wrong field type", '{"port": "6767"}', /config\.json: port: Invalid input: expected number, received string$/],
    ["nested wrong type", '{"limits": {"max_manifest_bytes": true}}', /config\.json: limits\.max_manifest_bytes: /],
    ["unknown field", '{"scan_root": ["/x"]}', /config\.json: scan_root: unknown field \(did you mean 'scan_roots'\?\)$/],
    ["unknown nested field", '{"limits": {"max_depth": 3}}', /config\.json: limits\.max_depth: unknown field$/],
  ])("%s", async (_name, text, message) => {
    const box = sandbox();
    mkdirSync(box.home, { mode: 0o700 });
    await Bun.write(join(box.home, "config.json"), text);
    for (const args of [["agents", "list"], ["discover"], ["config", "show"]]) {
      const r = await runBinary(args, { sandbox: box });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toStartWith(`opensentience: ${join(box.home, "config.json")}: `);
      expect(lines[0]).toMatch(message);
    }
  });

  test("a bad OPENSENTIENCE_PORT is named", async () => {
    const r = await runBinary(["config", "show"], { sandbox: sandbox(), env: { OPENSENTIENCE_PORT: "http" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('opensentience: OPENSENTIENCE_PORT: expected a port number 0-65535, got "http"\n');
  });
});

describe("scan roots that cannot be used", () => {
  test("a root that does not exist and a root that is a file: reported, exit 0, catalog intact", async () => {
    const box = sandbox();
    const missing = box.path("no-such-root");
    const file = box.path("cwd/a-file");
    await Bun.write(file, "x");
    const r = await runBinary(["discover", missing, file, "--json"], { sandbox: box });
    expect(r.code).toBe(0);
    const rep = r.json<Report>();
    expect(rep.problems).toEqual([
      { path: missing, problem: "scan root does not exist" },
      { path: file, problem: "scan root unusable: not a directory" },
    ]);
    expect(rep.found).toBe(0);
  });

  test("a FIFO manifest does not hang the binary", async () => {
    const tree = buildFixtureTree({ bad: false });
    cleanups.push(() => rmSync(tree.base, { recursive: true, force: true }));
    const r = await runBinary(["discover", join(tree.root, "hazards"), "--json"], { sandbox: sandbox(), timeoutMs: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.json<Report>().problems).toContainEqual({ path: join(tree.root, "hazards/fifo", MANIFEST), problem: "manifest is not a regular file; not read" });
  });

  const why = "needs root and setpriv to run the binary as an unprivileged user (root ignores file modes)";
  test.skipIf(!canDropPrivileges())(`unreadable root, directory and manifest as uid 65534 (${why})`, async () => {
    const box = sandbox();
    handSandboxTo(box, NOBODY);
    // Scan roots live in the sandbox, owned by root; readable by all unless noted.
    const base = box.path("scan");
    mkdirSync(base, { mode: 0o755 });
    const open = join(base, "open");
    const locked = join(base, "locked");
    cpSync(join(FIXTURES_DIR, "agents"), open, { recursive: true });
    writeManifest(locked, "hidden", manifest("com.example.hidden"));
    chmodSync(locked, 0o700);
    const asNobody = (...args: string[]) => runBinary(args, { sandbox: box, as: NOBODY });

    const first = await asNobody("discover", open, locked, "--json");
    expect(first.code).toBe(0);
    const r1 = first.json<Report>();
    expect(r1.problems).toEqual([{ path: locked, problem: "cannot list directory: permission denied" }]);
    expect(r1.found).toBe(5);

    // Now hide one agent's directory and make another's manifest unreadable.
    chmodSync(join(open, "weather"), 0o700);
    chmodSync(join(open, "git-commit", MANIFEST), 0o600);
    const second = await asNobody("discover", open, locked, "--json");
    expect(second.code).toBe(0);
    const r2 = second.json<Report>();
    expect(r2.problems).toContainEqual({ path: join(open, "weather"), problem: "cannot list directory: permission denied" });
    // Unseen is not gone: the hidden agent is not marked missing.
    expect(r2.missing).toEqual([]);
    expect(r2.invalid).toContainEqual({ path: join(open, "git-commit", MANIFEST), problems: [{ path: "(file)", message: "cannot open: permission denied" }] });
    const weather = (await asNobody("agents", "info", "com.example.weather", "--json")).json<{ status: string }>();
    expect(weather.status).toBe("local_uninstalled");

    // A root that is unreadable from the start, alone: reported, nothing listed, exit 0.
    const solo = await asNobody("discover", locked);
    expect(solo.code).toBe(0);
    expect(solo.stdout).toContain(`? ${locked}: cannot list directory: permission denied`);

    // Readable again: the rescan brings everything back in line.
    chmodSync(join(open, "weather"), 0o755);
    chmodSync(join(open, "git-commit", MANIFEST), 0o644);
    const third = (await asNobody("discover", open, "--json")).json<Report>();
    expect(third.invalid).toEqual([]);
    const list = (await asNobody("agents", "list", "--status", "local_uninstalled", "--json")).json<{ total: number }>();
    expect(list.total).toBe(5);
  });
});

describe("the mix marker fixture is live (so its absence after discovery means something)", () => {
  test.skipIf(!Bun.which("mix"))("mix compile writes both markers", () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(FIXTURES_DIR, "agents/mix-marker"), join(dir, "p"), { recursive: true });
    const r = Bun.spawnSync(["mix", "compile"], {
      cwd: join(dir, "p"),
      env: { PATH: process.env.PATH ?? "", HOME: dir, MIX_HOME: join(dir, "mix"), HEX_OFFLINE: "1", LANG: "C.UTF-8" },
    });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, "p", "MARKER_mix_exs_evaluated"))).toBe(true);
    expect(existsSync(join(dir, "p", "MARKER_lib_compiled"))).toBe(true);
  });
});

// The binary is often started in someone else's directory: an agent's checkout (the sandbox's exec step runs
// there), a cloned registry, a download. Bun's compiled executables read that directory's bunfig.toml — whose
// `preload` runs code — and .env files unless built not to (scripts/build.ts).
describe("the working directory is data, not configuration: its bunfig.toml and .env are not read", () => {
  test.each(["--version", "config show --json", "agents list"])("opensentience %s", async (command) => {
    const args = command.split(" ");
    const box = sandbox();
    const marker = box.path("preload-ran");
    writeFileSync(join(box.cwd, "bunfig.toml"), 'preload = ["./preload.ts"]\n');
    writeFileSync(join(box.cwd, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    writeFileSync(join(box.cwd, ".env"), `OPENSENTIENCE_HOME=${box.path("home-from-dotenv")}\n`);
    // No OPENSENTIENCE_HOME of our own: the default data directory is the one to expect, not .env's.
    const r = await runBinary(args, { sandbox: box, env: { OPENSENTIENCE_HOME: undefined } });
    expect(r.code, r.describe()).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(box.path("home-from-dotenv"))).toBe(false);
    if (args[0] === "config") expect(r.json<{ home: string }>().home).toBe(join(box.userHome, ".opensentience"));
  });
});
