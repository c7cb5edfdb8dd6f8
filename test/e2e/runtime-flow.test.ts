/**
 * Done-when for the runtime: the COMPILED binary, a temp home, a local git
 * registry with the real Elixir example agent: install → enable → run → tools
 * registered → call → streamed call → cancel (Ctrl-C) → kill -9 the agent →
 * restarted with backoff → stop → no process left.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { alive, processTree } from "../../src/core/runtime/process-tree.ts";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";

const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "../..");
let box: Sandbox;
let daemon: ServeHandle;
const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-rt-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(box.home, "config.json"),
    JSON.stringify({ scan_roots: [], limits: { restart_base_delay_ms: 200, restart_max_delay_ms: 2000, heartbeat_interval_ms: 1000, shutdown_grace_ms: 3000 } }),
  );
  // The example agent as a git repo, published in a local registry.
  const reg = publishExamples(box.dir, [ECHO]);
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  await run(["agents", "install", ECHO, "--yes"], 240_000);
  await run(["agents", "enable", ECHO, "--approve-all"]);
  daemon = await startServe({ sandbox: box });
}, 300_000);

afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
});

const status = async () => (await run(["agents", "info", ECHO, "--json"])).json<{ runtime: { state: string; pid: number | null; restarts: number; tools: number } }>().runtime;

describe("runtime through the compiled binary", () => {
  test("run registers the agent's tools", async () => {
    const st = (await run(["agents", "run", ECHO, "--json"])).json<{ state: string; tools: number }>();
    expect(st.state).toBe("running");
    const tools = (await run(["tools", "list", "--agent", ECHO, "--json"])).json<{ tools: Array<{ id: string }> }>().tools.map((t) => t.id);
    expect(tools).toContain(`${ECHO}/echo`);
    expect(tools).toContain(`${ECHO}/slow_count`);
  });

  test("plain call, and a call failing the schema is refused with a clear error", async () => {
    const r = await run(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"hi there"}', "--json"]);
    expect(r.json<{ output: { text: string } }>().output.text).toBe("hi there");
    const bad = await runBinary(["tools", "call", `${ECHO}/echo`, "--args", '{"text":5}'], { sandbox: box });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    // Checked against the registered schema before sending: one line naming the field (issue 17).
    expect(bad.stderr).toBe(`opensentience: ${ECHO}/echo: argument 'text' must be string, got 5 (see: opensentience tools info ${ECHO}/echo)\n`);
  });

  test("issue 17: group help, short names, did you mean, tools info, --arg/--args-file", async () => {
    const help = await run(["tools"]);
    expect(help.stdout).toMatch(/^  tools info +Show a tool's description/m);
    const info = await run(["tools", "info", "echo/add"]);
    expect(info.stdout).toStartWith(`${ECHO}/add\n`);
    expect(info.stdout).toMatch(/^ {2}a +number +yes/m);
    expect(info.stdout).toContain(`opensentience tools call ${ECHO}/add --args '{"a":1,"b":1}'`);
    const list = await run(["tools", "list", "--agent", "echo"]);
    expect(list.stdout).toMatch(new RegExp(`^${ECHO.replace(/\./g, "\\.")}/add +a b +`, "m"));
    expect((await run(["tools", "call", "echo/add", "--arg", "a=2", "--arg", "b=3.5", "--json"])).json<{ output: { sum: number } }>().output.sum).toBe(5.5);
    const viaStdin = await runOk(["tools", "call", "Echo/echo", "--args-file", "-", "--json"], { sandbox: box, stdin: '{"text":"from stdin"}' });
    expect(viaStdin.json<{ output: { text: string } }>().output.text).toBe("from stdin");
    const typo = await runBinary(["tools", "call", "echo/ecoh", "--arg", "text=x"], { sandbox: box });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(`opensentience: agent '${ECHO}' has no tool 'ecoh' (did you mean '${ECHO}/echo'?)\n`);
    const missing = await runBinary(["tools", "call", "echo/add", "--arg", "a=1"], { sandbox: box });
    expect(missing.stderr).toBe(`opensentience: ${ECHO}/add: missing required argument 'b' (see: opensentience tools info ${ECHO}/add)\n`);
    const agentTypo = await runBinary(["agents", "info", "ecoh"], { sandbox: box });
    expect(agentTypo.code).toBe(1);
    expect(agentTypo.stderr).toBe(`opensentience: no agent 'ecoh' in the catalog (did you mean '${ECHO}'?)\n`);
    expect((await run(["agents", "info", "echo", "--json"])).json<{ id: string }>().id).toBe(ECHO);
  });

  test("streamed call shows progress, then the result", async () => {
    const r = await run(["tools", "call", `${ECHO}/slow_count`, "--args", '{"n":3,"interval_ms":20}']);
    expect(r.stderr.match(/…/g)?.length).toBe(3);
    expect(r.stdout).toContain('"count": 3');
  });

  test("Ctrl-C cancels a streaming call end to end", async () => {
    const bin = await binaryPath();
    const p = Bun.spawn([bin, "tools", "call", `${ECHO}/slow_count`, "--args", '{"n":1000,"interval_ms":50}'], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
    let err = "";
    const reader = p.stderr.getReader();
    while (!err.includes("…")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
    await waitFor(async () => (await run(["audit", "--agent", ECHO, "--action", "tool.call", "--json"])).json<{ events: Array<{ details: { error?: string } }> }>().events.some((e) => e.details.error === "canceled"), { what: "canceled call in audit" });
  });

  test("kill -9 of the agent: restarted with backoff", async () => {
    const before = await status();
    expect(before.state).toBe("running");
    process.kill(before.pid!, "SIGKILL");
    const after = await waitFor(async () => {
      const s = await status();
      return s.state === "running" && s.pid !== before.pid ? s : null;
    }, { timeoutMs: 60_000, what: "restart after kill -9" });
    expect(after.restarts).toBe(1);
    const r = await run(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"back"}', "--json"]);
    expect(r.json<{ output: { text: string } }>().output.text).toBe("back");
  });

  test("stop leaves no process behind; the audit trail has every step", async () => {
    const { pid } = await status();
    const tree = processTree(pid!);
    expect(tree.length).toBeGreaterThan(0);
    const st = (await run(["agents", "stop", ECHO, "--json"])).json<{ state: string }>();
    expect(st.state).toBe("stopped");
    expect(tree.filter(alive)).toEqual([]);
    // Stopping a stopped agent is what was asked for: exit 0, and it says so (issue 17).
    const again = await run(["agents", "stop", "echo"]);
    expect(again.stdout).toStartWith(`${ECHO} was not running; nothing to stop.\n`);
    const stopped = await runBinary(["tools", "call", "echo/echo", "--arg", "text=x"], { sandbox: box });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toBe(`opensentience: agent ${ECHO} is not running (run it: opensentience agents run ${ECHO})\n`);
    const actions = (await run(["audit", "--agent", ECHO, "--limit", "500", "--json"])).json<{ events: Array<{ action: string }> }>().events.map((e) => e.action);
    for (const a of ["agent.install", "agent.enable", "agent.run", "tools.register", "tool.call", "agent.crash", "agent.restart", "agent.stop"]) expect(actions).toContain(a);
  });

  test("kill switch: disabling a running agent stops it at once; calls are refused", async () => {
    const st = (await run(["agents", "run", ECHO, "--json"])).json<{ pid: number }>();
    const tree = processTree(st.pid);
    await run(["agents", "disable", ECHO]);
    await waitFor(() => tree.every((p) => !alive(p)), { what: "agent processes gone after disable" });
    expect((await status()).state).toBe("stopped");
    const r = await runBinary(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"x"}'], { sandbox: box });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`opensentience: agent ${ECHO} is disabled (enable it: opensentience agents enable ${ECHO})\n`);
    const events = (await run(["audit", "--agent", ECHO, "--action", "agent.kill_switch", "--json"])).json<{ events: unknown[] }>().events;
    expect(events.length).toBe(1);
    await run(["agents", "enable", ECHO, "--approve-all"]);
  });

  test("daemon stop leaves no agent process; commands explain when the daemon is down", async () => {
    await run(["agents", "run", ECHO]);
    const { pid } = await status();
    const tree = processTree(pid!);
    expect(await daemon.stop("SIGTERM")).toBe(0);
    expect(tree.filter(alive)).toEqual([]);
    const r = await runBinary(["agents", "run", ECHO], { sandbox: box });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("daemon is not running");
  });
});
