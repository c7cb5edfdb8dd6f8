import { afterEach, describe, expect, test } from "bun:test";
import { fakeAgentDir, fakeManifest, runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";
import { alive } from "../../src/core/runtime/process-tree.ts";

let env: RuntimeEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe("supervisor with a protocol peer", () => {
  test("run, call, stream, cancel, stop leaves no process", async () => {
    env = await runtimeEnv({ heartbeat_interval_ms: 200 });
    const id = "com.test.fake";
    env.installAgent({ id, path: fakeAgentDir("normal"), manifest: fakeManifest(id) });
    const st = await env.runtime.run(id, "cli");
    expect(st.state).toBe("running");
    expect(st.tools).toBe(4);
    const pid = st.pid!;
    const r = await env.runtime.call({ tool: `${id}/echo`, arguments: { text: "hi" }, caller: { kind: "cli", id: "t" } });
    expect(r).toMatchObject({ ok: true, output: { text: "hi" } });
    const bad = await env.runtime.call({ tool: `${id}/echo`, arguments: { text: 5 }, caller: { kind: "cli", id: "t" } });
    expect(bad.ok || bad.error.code).toBe("invalid_arguments");
    const denied = await env.runtime.call({ tool: `${id}/secret`, arguments: {}, caller: { kind: "cli", id: "t" } });
    expect(denied.ok || denied.error.code).toBe("permission_denied");
    const seqs: number[] = [];
    const s = await env.runtime.call({ tool: `${id}/stream`, arguments: { n: 3 }, caller: { kind: "cli", id: "t" }, onProgress: (q) => seqs.push(q) });
    expect(s).toMatchObject({ ok: true, output: { count: 3 } });
    expect(seqs).toEqual([1, 2, 3]);
    const ac = new AbortController();
    const p = env.runtime.call({ tool: `${id}/stream`, arguments: { n: 1000 }, caller: { kind: "cli", id: "t" }, signal: ac.signal, onProgress: (q) => q === 2 && ac.abort() });
    const c = await p;
    expect(c.ok || c.error.code).toBe("canceled");
    const t = await env.runtime.call({ tool: `${id}/hang`, arguments: {}, caller: { kind: "cli", id: "t" }, timeoutMs: 150 });
    expect(t.ok || t.error.code).toBe("timeout");
    await env.runtime.stopAgent(id, "cli");
    expect(env.runtime.status(id).state).toBe("stopped");
    expect(alive(pid)).toBe(false);
    const actions = env.services.audit.query({ agentId: id, limit: 50 }).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toContain("tool.call:denied");
    expect(actions).toContain("agent.stop:ok");
  });

  test("an agent ignoring SIGTERM is killed after the grace period", async () => {
    env = await runtimeEnv({ shutdown_grace_ms: 100 });
    const id = "com.test.stubborn";
    env.installAgent({ id, path: fakeAgentDir("ignore_term"), manifest: fakeManifest(id) });
    const { pid } = await env.runtime.run(id, "cli");
    await env.runtime.stopAgent(id, "cli");
    expect(alive(pid!)).toBe(false);
  });

  test("crash at start every time: backoff, then failed", async () => {
    env = await runtimeEnv({ restart_base_delay_ms: 20, restart_max_delay_ms: 100, restart_budget: 3 });
    const id = "com.test.crashy";
    env.installAgent({ id, path: fakeAgentDir("crash_at_start"), manifest: fakeManifest(id) });
    const seen = new Set<string>();
    env.services.events.on((e) => e.type === "agent.status" && e.agentId === id && seen.add(String(e.status.state)));
    await expect(env.runtime.run(id, "cli")).rejects.toThrow(/did not start/);
    await until(() => env!.runtime.status(id).state === "failed", "failed state");
    expect(seen.has("backoff")).toBe(true);
    expect(env.runtime.status(id).restarts).toBe(4);
    expect(env.services.audit.query({ agentId: id, action: "agent.failed" })).toHaveLength(1);
  });

  test("silent agent becomes unhealthy and routing stops", async () => {
    env = await runtimeEnv({ heartbeat_interval_ms: 100, restart_base_delay_ms: 5000 });
    const id = "com.test.silent";
    env.installAgent({ id, path: fakeAgentDir("silent"), manifest: fakeManifest(id), devMode: true });
    await env.runtime.run(id, "cli");
    await until(() => !env!.runtime.status(id).healthy, "unhealthy");
    const r = await env.runtime.call({ tool: `${id}/echo`, arguments: { text: "x" }, caller: { kind: "cli", id: "t" } });
    expect(r.ok || r.error.code).toBe("agent_unavailable");
  });
});
