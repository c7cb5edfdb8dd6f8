/**
 * Writing an agent with nothing but the compiled binary: `agents new` scaffolds
 * a project, the SDK the binary carries is written out under the data dir, the
 * project compiles and its tests pass with real mix (first against the
 * checkout's SDK, as the core's builds do with OPENSENTIENCE_SDK_PATH, then
 * against the materialized one, as a user without a checkout would), and
 * `agents validate` reports every problem.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, makeSandbox, REPO_ROOT, runBinary, type Sandbox } from "../helpers/binary.ts";

const SOURCE_SDK = join(REPO_ROOT, "sdk", "elixir");
const haveMix = Bun.which("mix") !== null;
let box: Sandbox;
const run = (args: string[], env: Record<string, string | undefined> = {}) => runBinary(args, { sandbox: box, env: { OPENSENTIENCE_SDK_PATH: undefined, ...env } });

/** Runs mix in `cwd` with the sandbox's private MIX_HOME/HEX_HOME. */
async function mix(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  const merged: Record<string, string> = { ...box.env, MIX_ENV: "test" };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const p = Bun.spawn(["mix", ...args], { cwd, env: merged, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code: p.exitCode, out: `${stdout}${stderr}` };
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)]))
    .sort();
}

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-ship-authoring-", env: { HEX_OFFLINE: "1" } });
});
afterAll(() => box?.cleanup());

describe("agents new / validate through the compiled binary", () => {
  test("scaffolds a project, writes out the bundled SDK, and refuses to overwrite", async () => {
    const r = await run(["agents", "new", "hello-agent", "--json"]);
    expect(r.code, r.describe()).toBe(0);
    const out = r.json<{ id: string; path: string; sdk_path: string; files: string[] }>();
    expect(out.id).toBe("local.hello-agent");
    expect(out.path).toBe(join(box.cwd, "hello-agent"));
    expect(out.files).toContain("lib/hello_agent/tools/greet.ex");

    // The SDK came out of the binary (no checkout path: OPENSENTIENCE_SDK_PATH is unset and the binary runs from /$bunfs).
    expect(out.sdk_path).toStartWith(join(box.home, "sdk", "elixir-"));
    expect(statSync(out.sdk_path).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(out.path, "mix.exs"), "utf8")).toContain(`System.get_env("OPENSENTIENCE_SDK_PATH") || "${out.sdk_path}"`);
    if (existsSync(join(SOURCE_SDK, "mix.exs"))) {
      const embedded = listFiles(out.sdk_path);
      expect(embedded).toContain("mix.exs");
      for (const f of listFiles(join(SOURCE_SDK, "lib"))) expect(embedded).toContain(`lib/${f}`);
      expect(embedded.some((f) => f.startsWith("_build/") || f.startsWith("test/") || f.startsWith("deps/"))).toBe(false);
      expect(readFileSync(join(out.sdk_path, "mix.exs"), "utf8")).toBe(readFileSync(join(SOURCE_SDK, "mix.exs"), "utf8"));
    }

    const again = await run(["agents", "new", "hello-agent"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    const bad = await run(["agents", "new", "Hello Agent"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("(e.g. hello-agent)");

    const human = await run(["agents", "new", "other", "--dir", box.path("elsewhere"), "--id", "com.example.other"]);
    expect(human.code, human.describe()).toBe(0);
    expect(human.stdout).toContain(`Created com.example.other in ${box.path("elsewhere", "other")}`);
    expect(human.stdout).toContain("mix test");
  });

  test("validate: the scaffold is valid; a broken manifest lists every problem and exits 1", async () => {
    const ok = await runBinary(["agents", "validate"], { sandbox: box, cwd: join(box.cwd, "hello-agent") });
    expect(ok.code, ok.describe()).toBe(0);
    expect(ok.stdout).toBe(`${join(box.cwd, "hello-agent", "opensentience.agent.json")}: valid (local.hello-agent 0.1.0)\n`);

    const dir = box.path("broken");
    await Bun.write(join(dir, "opensentience.agent.json"), JSON.stringify({ manifest_version: 1, id: "Nope", name: "x", version: "one", trust_score: 1, entrypoint: { type: "mix", taks: "x" } }));
    const bad = await run(["agents", "validate", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("INVALID, 2 problems");
    expect(bad.stdout).toContain("error    id: must be reverse-DNS");
    expect(bad.stdout).toContain("error    version: must be a semantic version");
    expect(bad.stdout).toContain("warning  trust_score: ignored");
    expect(bad.stdout).toContain("warning  entrypoint.taks: unknown field");
    const json = await run(["agents", "validate", join(dir, "opensentience.agent.json"), "--json"]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ valid: false, problems: [{ path: "id" }, { path: "version" }] });
    const missing = await run(["agents", "validate", box.path("nowhere")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
  });

  test.skipIf(!haveMix)("the scaffold compiles and its tests pass against the checkout's SDK (OPENSENTIENCE_SDK_PATH)", async () => {
    const project = join(box.cwd, "hello-agent");
    const compile = await mix(project, ["compile", "--warnings-as-errors"], { OPENSENTIENCE_SDK_PATH: SOURCE_SDK });
    expect(compile.code, compile.out).toBe(0);
    const t = await mix(project, ["test"], { OPENSENTIENCE_SDK_PATH: SOURCE_SDK });
    expect(t.code, t.out).toBe(0);
    expect(t.out).toMatch(/3 tests, 0 failures/);
  }, 120_000);

  test.skipIf(!haveMix)("...and against the SDK written out of the binary (no checkout, no OPENSENTIENCE_SDK_PATH)", async () => {
    const project = box.path("elsewhere", "other");
    const t = await mix(project, ["test"], { OPENSENTIENCE_SDK_PATH: undefined });
    expect(t.code, t.out).toBe(0);
    expect(t.out).toMatch(/3 tests, 0 failures/);
  }, 120_000);

  test.skipIf(!haveMix)("agents examples: the bundled examples are written out and build against the bundled SDK", async () => {
    const r = await run(["agents", "examples", box.path("examples"), "--json"]);
    if (!existsSync(join(REPO_ROOT, "examples", "echo", "mix.exs"))) return; // examples not in this checkout
    expect(r.code, r.describe()).toBe(0);
    const out = r.json<{ written: string[]; sdk_path: string }>();
    expect(out.written).toContain(box.path("examples", "echo"));
    const c = await mix(box.path("examples", "echo"), ["compile"], { OPENSENTIENCE_SDK_PATH: undefined, MIX_ENV: "dev" });
    expect(c.code, c.out).toBe(0);
    // A second run keeps what is there.
    writeFileSync(box.path("examples", "echo", "mix.exs"), "# mine\n");
    const again = (await run(["agents", "examples", box.path("examples"), "--json"])).json<{ skipped: string[] }>();
    expect(again.skipped).toContain(box.path("examples", "echo"));
    expect(readFileSync(box.path("examples", "echo", "mix.exs"), "utf8")).toBe("# mine\n");
  }, 120_000);
});
