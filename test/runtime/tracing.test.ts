/**
 * Tracing against real Elixir agents (examples/echo, invoker, assistant built
 * with mix, real BEAM processes and socket): the spans of a tool call, of a
 * call that invokes another agent's tool, and of a chat turn arrive at a local
 * OTLP/HTTP receiver with the right parent/child structure, including the spans
 * the SDK reports from inside the agents. Without an endpoint nothing is sent
 * and the exporter module is never loaded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildExample } from "../helpers/elixir-build.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../helpers/otlp-receiver.ts";
import { runtimeEnv, type RuntimeEnv, shortTempDir } from "../helpers/runtime-env.ts";
import { waitFor } from "../helpers/binary.ts";

const ECHO = "com.opensentience.examples.echo";
const INVOKER = "com.opensentience.examples.invoker";
const ASSISTANT = "com.opensentience.examples.assistant";
const cli = { kind: "cli", id: "test" } as const;
const PHASES = ["permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute"];

let receiver: OtlpReceiver;
let env: RuntimeEnv;
let echoDir: string;
let echoManifest: Record<string, unknown>;

const hex = (uuid: string) => uuid.replaceAll("-", "");
const ofTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
/** Waits until the receiver holds `n` spans of the trace (the batch processor sends every 500 ms). */
const received = (traceId: string, n: number) => waitFor(() => (ofTrace(traceId).length >= n ? ofTrace(traceId) : null), { what: `${n} spans of trace ${traceId}`, timeoutMs: 15_000 });
const one = (spans: ReceivedSpan[], pred: (s: ReceivedSpan) => boolean, what: string) => {
  const found = spans.filter(pred);
  if (found.length !== 1) throw new Error(`expected one ${what}, got ${found.length}: ${spans.map((s) => s.name).join(", ")}`);
  return found[0]!;
};
const children = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
const rootCall = (spans: ReceivedSpan[], tool: string) => one(spans, (s) => s.name === "tool.call" && s.attributes["opensentience.tool"] === tool, `tool.call of ${tool}`);

/** The call's five phase spans under its root, in time order, and the agent's span under agent.execute. */
function expectCallShape(spans: ReceivedSpan[], root: ReceivedSpan, agentService: string): ReceivedSpan {
  const kids = children(spans, root).filter((s) => s.service === "opensentience-core");
  expect(kids.map((s) => s.name)).toEqual(PHASES);
  for (let i = 1; i < kids.length; i++) expect(kids[i]!.startNs).toBeGreaterThanOrEqual(kids[i - 1]!.startNs);
  for (const k of kids) {
    expect(k.startNs).toBeGreaterThanOrEqual(root.startNs);
    expect(k.endNs).toBeLessThanOrEqual(root.endNs);
  }
  const exec = kids.at(-1)!;
  const agent = one(children(spans, exec), (s) => s.name === "agent.tool", "agent.tool");
  expect(agent.service).toBe(agentService);
  expect(agent.scope).toBe("opensentience-agent-sdk");
  expect(agent.startNs).toBeGreaterThanOrEqual(exec.startNs);
  expect(agent.endNs).toBeLessThanOrEqual(exec.endNs);
  return agent;
}

beforeAll(async () => {
  receiver = startOtlpReceiver();
  env = await runtimeEnv({ heartbeat_interval_ms: 1000, shutdown_grace_ms: 2000 }, { sandbox: "required", config: { tracing: { otlp_endpoint: receiver.url } } });
  const [echo, invoker, assistant] = await Promise.all([buildExample("echo", env.home), buildExample("invoker", env.home), buildExample("assistant", env.home)]);
  echoDir = echo.dir;
  echoManifest = echo.manifest;
  env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest });
  env.installAgent({ id: INVOKER, path: invoker.dir, manifest: invoker.manifest, approve: [`tool:invoke:${ECHO}/echo`] });
  env.installAgent({ id: ASSISTANT, path: assistant.dir, manifest: assistant.manifest, approve: (assistant.manifest.permissions as string[]) ?? [] });
  for (const id of [ECHO, INVOKER, ASSISTANT]) await env.runtime.run(id, "cli");
}, 240_000);

afterAll(async () => {
  await env?.close();
  receiver?.stop();
});

describe("OTLP export from real agents", () => {
  test("a tool call: root with five phase children, the agent's span under agent.execute; trace id = correlation id", async () => {
    const corr = crypto.randomUUID();
    const r = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "traced" }, caller: cli, correlationId: corr });
    expect(r.ok).toBe(true);
    const spans = await received(hex(corr), 7);
    expect(spans).toHaveLength(7);
    const root = rootCall(spans, `${ECHO}/echo`);
    expect(root.parentSpanId).toBe("");
    expect(root.service).toBe("opensentience-core");
    expect(root.attributes).toMatchObject({ "opensentience.request_id": r.requestId, "opensentience.correlation_id": corr, "opensentience.agent_id": ECHO, "opensentience.outcome": "ok" });
    expectCallShape(spans, root, ECHO);
    // The audit row of the call carries the same request and correlation ids.
    expect(env.services.audit.query({ correlationId: corr }).some((e) => e.action === "tool.call" && e.requestId === r.requestId)).toBe(true);
    // The same spans are kept in memory for the audit timeline.
    expect(env.runtime.tracer.store.spansFor(corr).map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanId).sort());
  });

  test("a failing call: the phase that refused it carries the error, nothing runs after it", async () => {
    const corr = crypto.randomUUID();
    const r = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { nope: 1 }, caller: cli, correlationId: corr });
    expect(r.ok ? "ok" : r.error.code).toBe("invalid_arguments");
    const spans = await received(hex(corr), 3);
    const root = rootCall(spans, `${ECHO}/echo`);
    expect(children(spans, root).map((s) => [s.name, s.statusCode])).toEqual([
      ["permission.check", 1],
      ["schema.validate", 2],
    ]);
    expect(root.statusCode).toBe(2);
    expect(root.statusMessage).toBe("invalid_arguments");
  });

  test("an agent calling another agent's tool: the inner call nests under the calling agent's span", async () => {
    const corr = crypto.randomUUID();
    const r = await env.runtime.call({ tool: `${INVOKER}/shout`, arguments: { text: "hello" }, caller: cli, correlationId: corr });
    expect(r.ok).toBe(true);
    const spans = await received(hex(corr), 14);
    const outer = rootCall(spans, `${INVOKER}/shout`);
    expect(outer.parentSpanId).toBe("");
    const invokerSpan = expectCallShape(spans, outer, INVOKER);
    const inner = rootCall(spans, `${ECHO}/echo`);
    expect(inner.parentSpanId).toBe(invokerSpan.spanId);
    expect(inner.attributes["opensentience.caller.kind"]).toBe("agent");
    expectCallShape(spans, inner, ECHO);
  });

  test("a chat turn: chat.turn → agent.execute → the assistant's span → its tool calls (and theirs)", async () => {
    const corr = crypto.randomUUID();
    const r = await env.runtime.chat({ agentId: ASSISTANT, sessionId: crypto.randomUUID(), messageId: "m1", text: "shout hello world", history: [], correlationId: corr, onDelta: () => {} });
    expect(r.ok && r.text).toContain("HELLO WORLD");
    // turn (3) + shout call (7) + echo call (7)
    const spans = await received(hex(corr), 17);
    const turn = one(spans, (s) => s.name === "chat.turn", "chat.turn");
    expect(turn.parentSpanId).toBe("");
    expect(turn.attributes["opensentience.correlation_id"]).toBe(corr);
    const exec = one(children(spans, turn), (s) => s.name === "agent.execute", "agent.execute");
    const chatSpan = one(children(spans, exec), (s) => s.name === "agent.chat", "agent.chat");
    expect(chatSpan.service).toBe(ASSISTANT);
    const shout = rootCall(spans, `${INVOKER}/shout`);
    expect(shout.parentSpanId).toBe(chatSpan.spanId);
    const invokerSpan = expectCallShape(spans, shout, INVOKER);
    expect(rootCall(spans, `${ECHO}/echo`).parentSpanId).toBe(invokerSpan.spanId);
  });
});

describe("no endpoint", () => {
  test("a real call sends nothing (checked after the tracer's shutdown, which would flush an exporter)", async () => {
    const off = await runtimeEnv({}, { sandbox: "required" });
    try {
      off.installAgent({ id: ECHO, path: echoDir, manifest: echoManifest });
      await off.runtime.run(ECHO, "cli");
      const corr = crypto.randomUUID();
      expect((await off.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "quiet" }, caller: cli, correlationId: corr })).ok).toBe(true);
      expect(off.runtime.tracer.status()).toMatchObject({ enabled: true, exporting: false, endpoint: null });
      // Still recorded in memory for the audit timeline; the trace is not sampled, so the agent got no
      // traceparent and reported no span of its own.
      expect(off.runtime.tracer.store.spansFor(corr).map((s) => s.name)).toEqual(["tool.call", "permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute"]);
      // A caller whose own trace is sampled (W3C flag 01) gets the agent's span under it; flag 00 does not.
      for (const [flags, agentSpan] of [["01", true], ["00", false]] as const) {
        const c = crypto.randomUUID();
        const traceparent = `00-${hex(crypto.randomUUID())}-b7ad6b7169203331-${flags}`;
        expect((await off.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: flags }, caller: cli, correlationId: c, traceparent })).ok).toBe(true);
        expect(off.runtime.tracer.store.spansFor(c).some((s) => s.name === "agent.tool")).toBe(agentSpan);
      }
      await off.runtime.stop();
      expect(ofTrace(hex(corr))).toEqual([]);
    } finally {
      await off.close();
    }
  }, 120_000);

  test("the exporter module is loaded only when an endpoint is configured (fresh processes)", async () => {
    const dir = shortTempDir("ostr-");
    const script = join(dir, "probe.ts");
    const root = resolve(import.meta.dir, "../..");
    writeFileSync(
      script,
      `import { runtimeEnv } from ${JSON.stringify(join(root, "test/helpers/runtime-env.ts"))};
const endpoint = process.argv[2];
const env = await runtimeEnv({}, { config: endpoint ? { tracing: { otlp_endpoint: endpoint } } : {} });
await env.runtime.tracer.start();
const r = await env.runtime.call({ tool: "com.example.none/x", arguments: {}, caller: { kind: "cli", id: "probe" } });
const loaded = Object.keys(require.cache).filter((k) => k.includes("@opentelemetry") || k.includes("otlp-export"));
console.log(JSON.stringify({ code: r.ok ? "ok" : r.error.code, spans: env.runtime.tracer.spansFor(r.requestId).length, loaded: loaded.length }));
await env.close();
`,
    );
    const run = async (endpoint?: string) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("OTEL_")) env[k] = v;
      const p = Bun.spawn([process.execPath, script, ...(endpoint ? [endpoint] : [])], { env, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      if (code !== 0) throw new Error(`probe failed: ${err}`);
      return JSON.parse(out.trim().split("\n").at(-1)!) as { code: string; spans: number; loaded: number };
    };
    const without = await run();
    expect(without).toEqual({ code: "unknown_tool", spans: 2, loaded: 0 });
    // The positive control: the same probe with an endpoint does load it (so `loaded: 0` above means something).
    const withEndpoint = await run(receiver.url);
    expect(withEndpoint.code).toBe("unknown_tool");
    expect(withEndpoint.loaded).toBeGreaterThan(0);
  }, 60_000);
});
