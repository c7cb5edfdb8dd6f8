/**
 * The runtime against real Elixir agents (examples/echo, examples/invoker,
 * examples/assistant) built with mix: real BEAM processes, real Unix socket.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { alive, processTree } from "../../src/core/runtime/process-tree.ts";
import { buildExample } from "../helpers/elixir-build.ts";
import { runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";

const ECHO = "com.opensentience.examples.echo";
const INVOKER = "com.opensentience.examples.invoker";
const ASSISTANT = "com.opensentience.examples.assistant";
const cli = { kind: "cli", id: "test" } as const;
let env: RuntimeEnv;

beforeAll(async () => {
  process.env.ECHO_EXAMPLE_SECRET = "s3cret-value";
  env = await runtimeEnv({ restart_base_delay_ms: 50, restart_max_delay_ms: 400, heartbeat_interval_ms: 1000, shutdown_grace_ms: 2000 }, { sandbox: "required" });
  const [echo, invoker, assistant] = await Promise.all([buildExample("echo", env.home), buildExample("invoker", env.home), buildExample("assistant", env.home)]);
  // The scenario: a concurrency limit of 4 (manifest hint; operator config may only tighten it).
  env.installAgent({ id: ECHO, path: echo.dir, manifest: { ...echo.manifest, execution_limits: { timeout_ms: 60_000, max_concurrency: 4 } }, approve: [] });
  env.installAgent({ id: INVOKER, path: invoker.dir, manifest: invoker.manifest, approve: ["tool:invoke:com.opensentience.examples.echo/echo"] });
  env.installAgent({ id: ASSISTANT, path: assistant.dir, manifest: assistant.manifest, approve: (assistant.manifest.permissions as string[]) ?? [] });
}, 180_000);

afterAll(async () => {
  await env?.close();
});

describe("real Elixir agents", () => {
  test("echo: run, tools registered, plain call, schema check, permission gate", async () => {
    const st = await env.runtime.run(ECHO, "cli");
    expect(st.state).toBe("running");
    const names = env.runtime.tools(ECHO).map((t) => t.name).sort();
    expect(names).toEqual(["add", "crash", "echo", "fail", "read_secret", "slow_count"]);
    expect(await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "héllo" }, caller: cli })).toMatchObject({ ok: true, output: { text: "héllo" } });
    expect(await env.runtime.call({ tool: `${ECHO}/add`, arguments: { a: 2, b: 40 }, caller: cli })).toMatchObject({ ok: true });
    const bad = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { nope: 1 }, caller: cli });
    expect(bad.ok ? "ok" : bad.error.code).toBe("invalid_arguments");
    const unknown = await env.runtime.call({ tool: `${ECHO}/nope`, arguments: {}, caller: cli });
    expect(unknown.ok ? "ok" : unknown.error.code).toBe("unknown_tool");
    const denied = await env.runtime.call({ tool: `${ECHO}/read_secret`, arguments: {}, caller: cli });
    expect(denied.ok ? "ok" : denied.error.code).toBe("permission_denied");
    const crash = await env.runtime.call({ tool: `${ECHO}/crash`, arguments: {}, caller: cli });
    expect(crash.ok ? "ok" : crash.error.code).toBe("internal");
  });

  test("echo: env:read permission controls what the agent process receives", async () => {
    env.installAgent({ id: ECHO, path: env.services.catalog.installFor(ECHO)!.installPath, manifest: JSON.parse(env.services.catalog.installFor(ECHO)!.manifestJson!), approve: ["env:read:ECHO_EXAMPLE_SECRET"] });
    await env.runtime.restart(ECHO, "cli");
    const r = await env.runtime.call({ tool: `${ECHO}/read_secret`, arguments: {}, caller: cli });
    expect(r.ok).toBe(true);
    expect(JSON.stringify(r)).not.toContain("s3cret-value");
    expect(JSON.stringify(r.ok && r.output)).toContain("true");
  });

  test("echo: streaming progress, then cancel mid-stream", async () => {
    const seqs: number[] = [];
    const done = await env.runtime.call({ tool: `${ECHO}/slow_count`, arguments: { n: 3, interval_ms: 10 }, caller: cli, onProgress: (s) => seqs.push(s) });
    expect(done).toMatchObject({ ok: true, output: { count: 3 } });
    expect(seqs).toEqual([1, 2, 3]);
    const ac = new AbortController();
    const c = await env.runtime.call({ tool: `${ECHO}/slow_count`, arguments: { n: 1000, interval_ms: 20 }, caller: cli, signal: ac.signal, onProgress: (s) => s === 3 && ac.abort() });
    expect(c.ok ? "ok" : c.error.code).toBe("canceled");
    const t = await env.runtime.call({ tool: `${ECHO}/slow_count`, arguments: { n: 1000, interval_ms: 50 }, caller: cli, timeoutMs: 200 });
    expect(t.ok ? "ok" : t.error.code).toBe("timeout");
  });

  test("invoker calls echo through the router (tool.invoke), permission checked", async () => {
    await env.runtime.run(INVOKER, "cli");
    const r = await env.runtime.call({ tool: `${INVOKER}/shout`, arguments: { text: "hello" }, caller: cli, correlationId: "corr-1" });
    expect(r).toMatchObject({ ok: true });
    expect(JSON.stringify(r.ok && r.output)).toContain("HELLO");
    const trail = env.services.audit.query({ correlationId: "corr-1" }).map((e) => `${e.actor}:${e.action}:${e.agentId}`);
    expect(trail).toContain(`agent:tool.call:${ECHO}`);
    expect(trail).toContain(`cli:tool.call:${INVOKER}`);
  });

  test("assistant chat streams deltas and invokes tools for the turn", async () => {
    await env.runtime.run(ASSISTANT, "cli");
    const deltas: string[] = [];
    const r = await env.runtime.chat({ agentId: ASSISTANT, sessionId: crypto.randomUUID(), messageId: "m1", text: "shout hello world", history: [], correlationId: "turn-1", onDelta: (d) => deltas.push(d) });
    expect(r.ok).toBe(true);
    expect(deltas.length).toBeGreaterThan(1);
    expect(r.ok && r.text).toContain("HELLO WORLD");
    expect(env.services.audit.query({ correlationId: "turn-1" }).some((e) => e.action === "tool.call" && e.agentId === INVOKER)).toBe(true);
  });

  test("1,000 concurrent calls against a concurrency limit of 4: every call answered or rejected with a code", async () => {
    let peak = 0;
    const link = (env.runtime.supervisor as unknown as { link(id: string): { limiter: { active: number } } }).link(ECHO);
    const watch = setInterval(() => (peak = Math.max(peak, link.limiter.active)), 0);
    const calls = Array.from({ length: 1000 }, (_, i) => env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: `m${i}` }, caller: cli }));
    const results = await Promise.all(calls);
    clearInterval(watch);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(0);
    const codes = new Map<string, number>();
    for (const r of results) codes.set(r.ok ? "ok" : r.error.code, (codes.get(r.ok ? "ok" : r.error.code) ?? 0) + 1);
    expect([...codes.keys()].every((k) => ["ok", "overloaded", "rate_limited"].includes(k))).toBe(true);
    // 4 running + 256 queued are admitted; the rest are refused at once as overloaded.
    expect(codes.get("ok")).toBe(260);
    expect(codes.get("overloaded")).toBe(740);
  });

  test("kill -9 of the agent: pending call gets agent_unavailable, restarted with backoff", async () => {
    const before = env.runtime.status(ECHO);
    const pending = env.runtime.call({ tool: `${ECHO}/slow_count`, arguments: { n: 1000, interval_ms: 50 }, caller: cli });
    await until(() => env.runtime.status(ECHO).inflight > 0, "call in flight");
    process.kill(before.pid!, "SIGKILL");
    const r = await pending;
    expect(r.ok ? "ok" : r.error.code).toBe("agent_unavailable");
    await until(() => env.runtime.status(ECHO).state === "running" && env.runtime.status(ECHO).pid !== before.pid, "restart", 30_000);
    expect(env.runtime.status(ECHO).restarts).toBe(1);
    expect(await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "back" }, caller: cli })).toMatchObject({ ok: true });
  });

  test("stop leaves no BEAM process behind", async () => {
    const pids = [ECHO, INVOKER, ASSISTANT].map((id) => env.runtime.status(id).pid!).filter(Boolean);
    const trees = pids.flatMap((p) => processTree(p));
    for (const id of [ECHO, INVOKER, ASSISTANT]) await env.runtime.stopAgent(id, "cli");
    expect(trees.filter(alive)).toEqual([]);
  });
});
