/**
 * Compiled ("lean") agent launch, end to end through the COMPILED binary with
 * `sandbox: required`: the real echo example, installed from a local registry
 * and built for real, starts as `erl` over its built ebin dirs — no Mix on the
 * code path, the SDK's OpenSentience.Boot in the BEAM's command line — inside
 * bubblewrap, and serves tool calls. A copy whose manifest tunes its BEAM
 * (`runtime.beam`) gets exactly those flags; a copy asking for
 * `"runtime": {"launch": "mix"}` starts through mix, as before; both say which
 * launch ran in the agent's log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { processTree } from "../../src/core/runtime/process-tree.ts";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons } from "../helpers/binary.ts";
import { commitAll, fileUrl, git, registryRepo } from "../helpers/git-fixtures.ts";

const REPO = resolve(import.meta.dir, "../..");
const ECHO = "com.opensentience.examples.echo";
const TUNED = "com.opensentience.tests.echo_tuned";
const VIA_MIX = "com.opensentience.tests.echo_mix";
let box: Sandbox;
let daemon: ServeHandle;
const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });

/** The echo example as a git repo with its manifest's id (and `runtime`) replaced. */
function echoRepo(id: string, runtime?: unknown): Record<string, unknown> {
  const dir = join(box.dir, `${id}-agent`);
  cpSync(join(REPO, "examples/echo"), dir, { recursive: true, filter: (s) => !/\/(_build|deps)(\/|$)/.test(s) });
  const m = { ...JSON.parse(readFileSync(join(dir, "opensentience.agent.json"), "utf8")), id, ...(runtime ? { runtime } : {}) };
  writeFileSync(join(dir, "opensentience.agent.json"), JSON.stringify(m, null, 2));
  git(dir, "init", "-q");
  commitAll(dir, id);
  return { id, git_url: fileUrl(dir), default_ref: "main", manifest_path: "opensentience.agent.json", manifest: m };
}

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-lean-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], examples_registry: false, sandbox: "required" }));
  const reg = registryRepo(box.dir, {
    [`${ECHO}.json`]: echoRepo(ECHO),
    [`${TUNED}.json`]: echoRepo(TUNED, { beam: { schedulers: 2, max_processes: 65_536, busy_wait: true } }),
    [`${VIA_MIX}.json`]: echoRepo(VIA_MIX, { launch: "mix" }),
  });
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  for (const id of [ECHO, TUNED, VIA_MIX]) {
    await run(["agents", "install", id, "--yes"], 240_000);
    await run(["agents", "enable", id, "--approve-all"]);
  }
  daemon = await startServe({ sandbox: box });
}, 600_000);

afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
});

/** Starts the agent; returns its BEAM's argv (the beam.smp inside its bwrap tree) and its log. */
async function start(id: string): Promise<{ beamArgv: string[]; log: string; sandboxed: boolean }> {
  const st = (await run(["agents", "run", id, "--json"])).json<{ state: string; pid: number; sandboxed: boolean }>();
  expect(st.state).toBe("running");
  const beam = processTree(st.pid).find((p) => readFileSync(`/proc/${p}/comm`, "utf8").trim() === "beam.smp");
  expect(beam).toBeDefined();
  const beamArgv = readFileSync(`/proc/${beam}/cmdline`, "utf8").split("\0");
  const log = (await run(["agents", "logs", id, "--tail", "50"])).stdout;
  return { beamArgv, log, sandboxed: st.sandboxed };
}

const codePath = (argv: string[]) => {
  const i = argv.indexOf("-pa");
  const end = argv.findIndex((a, j) => j > i && a.startsWith("-"));
  return argv.slice(i + 1, end);
};

describe("compiled agent launch", () => {
  test("a built agent starts without Mix, inside the sandbox, and serves tool calls", async () => {
    const { beamArgv, log, sandboxed } = await start(ECHO);
    expect(sandboxed).toBe(true);
    expect(log).toContain("launch: compiled (echo_agent from _build/prod, no Mix at run time)");
    // Booted by the SDK, not by elixir's CLI running the mix script; Mix's ebin is not even on the code path.
    expect(beamArgv.join(" ")).toContain("-s Elixir.OpenSentience.Boot agent echo_agent");
    expect(beamArgv).not.toContain("start_cli");
    const path = codePath(beamArgv);
    expect(path.some((p) => p.endsWith("/_build/prod/lib/echo_agent/ebin"))).toBe(true);
    expect(path.some((p) => /\/mix\/ebin$/.test(p))).toBe(false);
    expect(beamArgv.some((a) => /\/mix$/.test(a))).toBe(false);
    // The defaults of a small agent reached the emulator (erlexec passes `+X` as `-X`).
    expect(beamArgv.join(" ")).toContain("-S 1:1");
    expect(beamArgv.join(" ")).toContain("-sbwt none");

    const r = await run(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"compiled"}', "--json"]);
    expect(r.json<{ output: { text: string } }>().output.text).toBe("compiled");
    const streamed = await run(["tools", "call", `${ECHO}/slow_count`, "--args", '{"n":3,"interval_ms":20}']);
    expect(streamed.stdout).toContain('"count": 3');
    await run(["agents", "stop", ECHO]);
  });

  test("runtime.beam in the manifest tunes that agent's BEAM, and only with the flags it maps to", async () => {
    const { beamArgv, log } = await start(TUNED);
    expect(log).toContain("launch: compiled");
    const line = beamArgv.join(" ");
    expect(line).toContain("-S 2:2");
    expect(line).toContain("-P 65536");
    expect(line).not.toContain("-sbwt none");
    const r = await run(["tools", "call", `${TUNED}/echo`, "--args", '{"text":"tuned"}', "--json"]);
    expect(r.json<{ output: { text: string } }>().output.text).toBe("tuned");
    await run(["agents", "stop", TUNED]);
  });

  test('"launch": "mix" starts through mix, as before, and says so', async () => {
    const { beamArgv, log } = await start(VIA_MIX);
    expect(log).toContain("launch: mix (the manifest asks for it");
    expect(beamArgv).toContain("start_cli");
    expect(beamArgv.join(" ")).not.toContain("OpenSentience.Boot");
    const r = await run(["tools", "call", `${VIA_MIX}/echo`, "--args", '{"text":"via mix"}', "--json"]);
    expect(r.json<{ output: { text: string } }>().output.text).toBe("via mix");
    await run(["agents", "stop", VIA_MIX]);
  });

  test("a manifest trying to pass raw BEAM flags is refused at validation with the field named", async () => {
    const dir = join(box.dir, "hostile");
    mkdirSync(dir, { recursive: true });
    const m = { manifest_version: 1, id: "com.example.hostile", name: "Hostile", version: "1.0.0", runtime: { beam: { flags: ["-eval", "os:cmd(\"touch /tmp/pwned\")"] } } };
    writeFileSync(join(dir, "opensentience.agent.json"), JSON.stringify(m));
    const r = await runBinary(["agents", "validate", dir], { sandbox: box });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("runtime.beam");
  });
});
