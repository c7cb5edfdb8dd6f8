/**
 * Writing an agent with nothing but the compiled binary: `agents new` scaffolds
 * a project, the SDK the binary carries is written out under the data dir, the
 * project compiles and its tests pass with real mix (first against the
 * checkout's SDK, as the core's builds do with OPENSENTIENCE_SDK_PATH, then
 * against the materialized one, as a user without a checkout would), and
 * `agents validate` reports every problem. The scaffold names no path of this
 * machine, and a second tool is covered by its generated test; a tool missing
 * from tool_summary is named by `mix test`, `agents validate --tools` and a
 * sandboxed `agents test` of the installed copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, makeSandbox, REPO_ROOT, runBinary, type Sandbox } from "../helpers/binary.ts";

const SOURCE_SDK = join(REPO_ROOT, "sdk", "elixir");
const haveMix = Bun.which("mix") !== null;
let box: Sandbox;
const run = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number) => runBinary(args, { sandbox: box, env: { OPENSENTIENCE_SDK_PATH: undefined, ...env }, ...(timeoutMs ? { timeoutMs } : {}) });

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
    const out = r.json<{ id: string; path: string; sdk_path: string; sdk_fallback: { kind: string; resolved: string }; files: string[] }>();
    expect(out.id).toBe("local.hello-agent");
    expect(out.path).toBe(join(box.cwd, "hello-agent"));
    expect(out.files).toContain("lib/hello_agent/tools/greet.ex");

    // The SDK came out of the binary (no checkout path: OPENSENTIENCE_SDK_PATH is unset and the binary runs from /$bunfs).
    expect(out.sdk_path).toStartWith(join(box.home, "sdk", "elixir-"));
    expect(statSync(out.sdk_path).mode & 0o777).toBe(0o700);
    // The project names no path of this machine: mix.exs falls back to $OPENSENTIENCE_HOME/sdk/elixir, a link to that SDK.
    for (const f of out.files) expect(readFileSync(join(out.path, f), "utf8")).not.toContain(box.home);
    expect(readFileSync(join(out.path, "mix.exs"), "utf8")).toContain('default = Path.expand("sdk/elixir", System.get_env("OPENSENTIENCE_HOME", "~/.opensentience"))');
    expect(out.sdk_fallback).toEqual({ kind: "data_dir", resolved: join(box.home, "sdk", "elixir") });
    expect(readlinkSync(join(box.home, "sdk", "elixir"))).toBe(out.sdk_path);
    const sdkPathCmd = await run(["sdk", "path"]);
    expect(sdkPathCmd.code, sdkPathCmd.describe()).toBe(0);
    expect(sdkPathCmd.stdout).toBe(`${join(box.home, "sdk", "elixir")}\n`);
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
    expect(human.stdout).toContain(`SDK: $OPENSENTIENCE_SDK_PATH, else $OPENSENTIENCE_HOME/sdk/elixir (here ${join(box.home, "sdk", "elixir")} -> `);
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
    expect(t.out).toMatch(/4 tests, 0 failures/);
  }, 120_000);

  test.skipIf(!haveMix)("...and against the SDK written out of the binary (no checkout, no OPENSENTIENCE_SDK_PATH)", async () => {
    const project = box.path("elsewhere", "other");
    const t = await mix(project, ["test"], { OPENSENTIENCE_SDK_PATH: undefined });
    expect(t.code, t.out).toBe(0);
    expect(t.out).toMatch(/4 tests, 0 failures/);
  }, 120_000);

  test.skipIf(!haveMix)("a second tool: the generated test covers it, and every check names a tool missing from tool_summary", async () => {
    const project = join(box.cwd, "hello-agent");
    const env = { OPENSENTIENCE_SDK_PATH: SOURCE_SDK };
    writeFileSync(
      join(project, "lib/hello_agent/tools/shout.ex"),
      'defmodule HelloAgent.Tools.Shout do\n  @moduledoc "Shouts a text."\n  use OpenSentience.Tool\n\n  @impl true\n  def call(_args, _ctx), do: {:ok, %{}}\nend\n',
    );
    const agentModule = join(project, "lib/hello_agent.ex");
    writeFileSync(agentModule, readFileSync(agentModule, "utf8").replace("tools: [HelloAgent.Tools.Greet]", "tools: [HelloAgent.Tools.Greet, HelloAgent.Tools.Shout]"));

    const forgot = await mix(project, ["test"], env);
    expect(forgot.code, forgot.out).not.toBe(0);
    expect(forgot.out).toContain("5 tests, 2 failures");
    expect(forgot.out).toContain("shout is not in tool_summary in opensentience.agent.json");
    expect(forgot.out).toContain("missing shout (declared, not in tool_summary)");
    // ...and compiling already warned (use OpenSentience.Agent reads the manifest beside mix.exs).
    expect(forgot.out).toContain("warning: tool_summary in opensentience.agent.json does not match the tools HelloAgent declares: missing shout");

    const v = await run(["agents", "validate", project, "--tools"], env, 180_000);
    expect(v.code, v.describe()).toBe(1);
    expect(v.stdout).toContain("error    tool_summary: tool_summary does not match the tools HelloAgent registers: missing shout (registered, not in tool_summary)");
    expect((await run(["agents", "validate", project], env)).code).toBe(0); // without --tools nothing is compiled or run

    const manifestFile = join(project, "opensentience.agent.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    manifest.tool_summary.push({ name: "shout", description: "Shouts a text" });
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const fixed = await mix(project, ["test"], env);
    expect(fixed.code, fixed.out).toBe(0);
    expect(fixed.out).toContain("5 tests, 0 failures");
    expect(fixed.out).not.toContain("warning: tool_summary"); // the manifest is an external resource: editing it recompiled the agent
    const ok = await run(["agents", "validate", project, "--tools", "--json"], env, 180_000);
    expect(ok.code, ok.describe()).toBe(0);
    expect(ok.json()).toMatchObject({ valid: true, tool_check: { status: "matches", missing: [], extra: [] } });
  }, 240_000);

  test.skipIf(!haveMix)("agents test (sandboxed, installed copy) fails a run whose tool_summary names a tool the agent lacks", async () => {
    const project = join(box.cwd, "hello-agent");
    const id = "local.hello-agent";
    expect((await run(["discover", project])).code).toBe(0);
    const install = await run(["agents", "install", id, "--local", "--yes"], {}, 240_000);
    expect(install.code, install.describe()).toBe(0);

    // A suite that does not check tool_summary itself (a hand-written one, or a project made before the generated check).
    const suite = join(project, "test/hello_agent_test.exs");
    const generated = readFileSync(suite, "utf8");
    writeFileSync(suite, 'defmodule HelloAgentTest do\n  use ExUnit.Case\n\n  test "greets" do\n    assert {:ok, _} = OpenSentience.Testing.call_tool(HelloAgent.Tools.Greet, %{"name" => "Ada"})\n  end\nend\n');
    const manifestFile = join(project, "opensentience.agent.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    manifest.tool_summary.push({ name: "gone", description: "A tool that was removed" });
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const bad = await run(["agents", "test", id, "--yes"], {}, 240_000);
    expect(bad.code, bad.describe()).toBe(1);
    expect(bad.stdout).toContain("Tests of local.hello-agent: FAILED — 1 tests, 0 failures");
    expect(bad.stdout).toContain("Tool summary: tool_summary does not match the tools HelloAgent registers: extra gone (in tool_summary, not registered)");

    manifest.tool_summary.pop();
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    writeFileSync(suite, generated);
    const good = (await run(["agents", "test", id, "--yes", "--json"], {}, 240_000)).json<{ outcome: string; toolCheck: unknown }>();
    expect(good).toMatchObject({ outcome: "passed", tests: 5, toolCheck: { status: "matches", message: "tool_summary matches the 2 tools HelloAgent registers" } });
  }, 480_000);

  test.skipIf(!haveMix)("agents examples: the bundled examples are written out and build against the bundled SDK", async () => {
    const r = await run(["agents", "examples", box.path("examples"), "--json"]);
    if (!existsSync(join(REPO_ROOT, "examples", "echo", "mix.exs"))) return; // examples not in this checkout
    expect(r.code, r.describe()).toBe(0);
    const out = r.json<{ written: string[]; sdk_path: string }>();
    expect(out.written).toContain(box.path("examples", "echo"));
    // Like a scaffold, the copies name no path of this machine: $OPENSENTIENCE_HOME/sdk/elixir is the fallback.
    const echoMix = readFileSync(box.path("examples", "echo", "mix.exs"), "utf8");
    expect(echoMix).not.toContain(box.home);
    expect(echoMix).toContain('System.get_env("OPENSENTIENCE_SDK_PATH") || Path.expand("sdk/elixir", System.get_env("OPENSENTIENCE_HOME", "~/.opensentience"))');
    const c = await mix(box.path("examples", "echo"), ["compile"], { OPENSENTIENCE_SDK_PATH: undefined, MIX_ENV: "dev" });
    expect(c.code, c.out).toBe(0);
    // A second run keeps what is there.
    writeFileSync(box.path("examples", "echo", "mix.exs"), "# mine\n");
    const again = (await run(["agents", "examples", box.path("examples"), "--json"])).json<{ skipped: string[] }>();
    expect(again.skipped).toContain(box.path("examples", "echo"));
    expect(readFileSync(box.path("examples", "echo", "mix.exs"), "utf8")).toBe("# mine\n");
  }, 120_000);
});
