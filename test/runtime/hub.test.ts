/**
 * The hub over a real Unix socket with a raw client: handshake faults and bad
 * frames. Tokens are issued through the supervisor's launch path by starting a
 * real (fake-peer) agent, then replayed/stolen by this raw client.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { AuditEvent } from "../../src/core/audit/audit-log.ts";
import { encodeFrame, FrameDecoder } from "../../src/protocol/index.ts";
import { fakeAgentDir, fakeManifest, runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";
import { tamperLastChar } from "../helpers/tamper.ts";

let env: RuntimeEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

interface Raw {
  frames: Array<Record<string, any>>;
  closed: Promise<void>;
  isClosed(): boolean;
  write(bytes: Uint8Array): void;
  send(o: object): void;
  end(): void;
}

async function raw(path: string): Promise<Raw> {
  const frames: Array<Record<string, any>> = [];
  const decoder = new FrameDecoder();
  let closed = false;
  let onClose!: () => void;
  const closedP = new Promise<void>((r) => (onClose = r));
  const sock = await Bun.connect({
    unix: path,
    socket: {
      data(_s, chunk) {
        frames.push(...(decoder.push(chunk).frames as Array<Record<string, any>>));
      },
      close() {
        closed = true;
        onClose();
      },
    },
  });
  return { frames, closed: closedP, isClosed: () => closed, write: (b) => void sock.write(b), send: (o) => void sock.write(encodeFrame(o)), end: () => sock.end() };
}

/** Refusals audited so far, oldest first. */
function refusals(e: RuntimeEnv, action: "agent.handshake" | "agent.protocol_violation"): AuditEvent[] {
  return e.services.audit
    .query({ action, limit: 1000 })
    .filter((ev) => ev.outcome === "denied")
    .reverse();
}

const hello = (agentId: string, token: string, protocol = { min: 1, max: 1 }) => ({
  v: 1,
  type: "hello",
  id: "h1",
  payload: { agent_id: agentId, token, agent_version: "1.0.0", sdk: { name: "raw", version: "0" }, protocol, capabilities: [] },
});

describe("handshake", () => {
  test("no hello within the deadline: closed", async () => {
    env = await runtimeEnv({ handshake_timeout_ms: 150 });
    const c = await raw(env.services.config.paths.agentSocket);
    await c.closed;
    expect(c.frames).toEqual([]);
    // The hub closes, then audits, in one turn: by the time the peer sees the close it is recorded.
    expect(refusals(env, "agent.handshake").map((e) => [e.agentId, e.details])).toEqual([
      [null, { code: "handshake_timeout", reason: "no hello within 150 ms", phase: "handshake", bytes_in: 0 }],
    ]);
  });

  test("a peer that sends part of a frame and hangs up is audited (bytes, no claimed id)", async () => {
    env = await runtimeEnv();
    const c = await raw(env.services.config.paths.agentSocket);
    c.write(encodeFrame(hello("com.test.partial", "t")).subarray(0, 10));
    c.end();
    await c.closed;
    const e = env;
    await until(() => refusals(e, "agent.handshake").length === 1, "closed_before_hello audited");
    expect(refusals(env, "agent.handshake")[0]!.details).toEqual({ code: "closed_before_hello", reason: "closed the connection before completing a hello", phase: "handshake", bytes_in: 10 });
  });

  test("a frame other than hello first: unauthorized, closed", async () => {
    env = await runtimeEnv();
    const c = await raw(env.services.config.paths.agentSocket);
    c.send({ v: 1, type: "heartbeat", id: "x", payload: { seq: 1 } });
    await c.closed;
    expect(c.frames[0]).toMatchObject({ type: "error", payload: { code: "unauthorized" } });
    expect(refusals(env, "agent.handshake").map((e) => e.details)).toEqual([{ code: "unauthorized", reason: "expected hello, got heartbeat", phase: "handshake", bytes_in: expect.any(Number) }]);
  });

  test("wrong token, another agent's token, a replayed token: unauthorized and audited", async () => {
    env = await runtimeEnv({ heartbeat_interval_ms: 200 });
    const id = "com.test.tokens";
    env.installAgent({ id, path: fakeAgentDir("normal"), manifest: fakeManifest(id) });
    // Capture the token the launcher hands the real agent process, from its environment.
    const st = await env.runtime.run(id, "cli");
    const environ = await Bun.file(`/proc/${st.pid}/environ`).text();
    const token = environ.split("\0").find((e) => e.startsWith("OPENSENTIENCE_TOKEN="))!.slice("OPENSENTIENCE_TOKEN=".length);
    expect(token.length).toBeGreaterThan(20);

    const replay = await raw(env.services.config.paths.agentSocket);
    replay.send(hello(id, token));
    await replay.closed;
    expect(replay.frames[0]).toMatchObject({ type: "error", reply_to: "h1", payload: { code: "unauthorized" } });

    const other = await raw(env.services.config.paths.agentSocket);
    other.send(hello("com.test.someone_else", token));
    await other.closed;
    expect(other.frames[0]).toMatchObject({ type: "error", payload: { code: "unauthorized" } });

    const wrong = await raw(env.services.config.paths.agentSocket);
    wrong.send(hello(id, tamperLastChar(token)));
    await wrong.closed;
    expect(wrong.frames[0]).toMatchObject({ type: "error", payload: { code: "unauthorized" } });

    const denied = refusals(env, "agent.handshake");
    expect(denied.map((e) => [e.agentId, e.details.code, e.details.reason, e.details.claimed_agent_id])).toEqual([
      [id, "unauthorized", "token not valid for this agent", id],
      ["com.test.someone_else", "unauthorized", "token not valid for this agent", "com.test.someone_else"],
      [id, "unauthorized", "token not valid for this agent", id],
    ]);
    // The token is never in the trail.
    expect(JSON.stringify(denied)).not.toContain(token);
    // The real agent is unaffected.
    expect(await env.runtime.call({ tool: `${id}/echo`, arguments: { text: "still here" }, caller: { kind: "cli", id: "t" } })).toMatchObject({ ok: true });
  });

  test("unsupported protocol version range: unsupported_version after a valid token", async () => {
    const { Hub } = await import("../../src/core/runtime/hub.ts");
    const { shortTempDir } = await import("../helpers/runtime-env.ts");
    const readyAgents: string[] = [];
    const hub = new Hub(
      { socketPath: `${shortTempDir("oshub-")}/a.sock`, maxFrameBytes: 65536, handshakeTimeoutMs: 2000, heartbeatIntervalMs: 1000 },
      {
        authenticate: () => ({ ok: true, launchId: 1 }),
        maxConcurrentCalls: () => 4,
        onReady: (conn) => readyAgents.push(conn.agentId!),
        onMessage: () => {},
        onDisconnect: () => {},
      },
    );
    await hub.start();
    try {
      const bad = await raw(hub["opts"].socketPath);
      bad.send(hello("com.test.v", "t", { min: 2, max: 3 }));
      await bad.closed;
      expect(bad.frames[0]).toMatchObject({ type: "error", reply_to: "h1", payload: { code: "unsupported_version" } });
      const good = await raw(hub["opts"].socketPath);
      good.send(hello("com.test.v", "t", { min: 1, max: 4 }));
      await until(() => good.frames.length === 1, "welcome");
      expect(good.frames[0]).toMatchObject({ type: "welcome", reply_to: "h1", payload: { protocol_version: 1, max_concurrent_calls: 4, heartbeat_interval_ms: 1000 } });
      expect(readyAgents).toEqual(["com.test.v"]);
    } finally {
      await hub.stop();
    }
  });
});

describe("bad frames on the socket", () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ["length 0", new Uint8Array([0, 0, 0, 0]), "bad_frame"],
    ["length 0xFFFFFFFF", new Uint8Array([0xff, 0xff, 0xff, 0xff]), "frame_too_large"],
    ["bad UTF-8", (() => { const b = new Uint8Array(6); new DataView(b.buffer).setUint32(0, 2); b.set([0xc3, 0x28], 4); return b; })(), "bad_frame"],
    ["non-object JSON", encodeFrameRaw("[1,2,3]"), "bad_frame"],
    ["deeply nested JSON", encodeFrameRaw(`{"a":${"[".repeat(500)}${"]".repeat(500)}}`), "bad_frame"],
  ];
  for (const [name, bytes, code] of cases) {
    test(`${name}: one error frame, then closed, and audited as a protocol violation`, async () => {
      env ??= await runtimeEnv();
      const c = await raw(env.services.config.paths.agentSocket);
      c.write(bytes);
      await c.closed;
      expect(c.frames).toHaveLength(1);
      expect(c.frames[0]).toMatchObject({ type: "error", payload: { code } });
      const last = refusals(env, "agent.protocol_violation").at(-1)!;
      expect(last.agentId).toBeNull();
      expect(last.details).toMatchObject({ code, phase: "handshake", bytes_in: bytes.length, reason: c.frames[0]!.payload.message });
      if (name === "length 0xFFFFFFFF") expect(last.details.frame_length).toBe(0xffffffff);
    });
  }

  test("after the handshake: a violation names the authenticated agent", async () => {
    const { Hub } = await import("../../src/core/runtime/hub.ts");
    const { RefusalAudit } = await import("../../src/core/runtime/refusal-audit.ts");
    const { shortTempDir } = await import("../helpers/runtime-env.ts");
    env = await runtimeEnv();
    const audit = new RefusalAudit(env.services.audit);
    const hub = new Hub(
      { socketPath: `${shortTempDir("oshub-")}/a.sock`, maxFrameBytes: 1024, handshakeTimeoutMs: 2000, heartbeatIntervalMs: 1000 },
      { authenticate: () => ({ ok: true, launchId: 1 }), maxConcurrentCalls: () => 1, onReady: () => {}, onMessage: () => {}, onDisconnect: () => {}, onRefused: (r) => audit.record(r) },
    );
    await hub.start();
    try {
      const c = await raw(hub["opts"].socketPath);
      c.send(hello("com.test.after", "t"));
      await until(() => c.frames.length === 1, "welcome");
      c.write(new Uint8Array([0, 0, 0x10, 0])); // 4096 > 1024
      await c.closed;
      expect(refusals(env, "agent.protocol_violation").map((e) => [e.agentId, e.details])).toEqual([
        ["com.test.after", { code: "frame_too_large", reason: "frame length 4096 exceeds max_frame_bytes 1024", phase: "ready", bytes_in: expect.any(Number), frame_length: 4096 }],
      ]);
    } finally {
      await hub.stop();
    }
  });

  test("a flood of bad connections is audited at a bounded rate, then summarised once per kind", async () => {
    env = await runtimeEnv();
    const path = env.services.config.paths.agentSocket;
    // The daemon's own wiring (AgentSessions): 20 events per kind per minute.
    const flood = async (n: number, act: (c: Raw) => void) => {
      for (let i = 0; i < n; i += 10) {
        const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => raw(path)));
        for (const c of batch) act(c);
        await Promise.all(batch.map((c) => c.closed));
      }
    };
    await flood(50, (c) => c.send(hello("com.test.flood", "not-a-token")));
    await flood(30, (c) => c.write(new Uint8Array([0xff, 0xff, 0xff, 0xff])));
    expect(refusals(env, "agent.handshake")).toHaveLength(20);
    expect(refusals(env, "agent.protocol_violation")).toHaveLength(20);
    // The summaries are written when the minute ends, or when the hub stops, whichever is first.
    await env.runtime.stop();
    const summary = (a: "agent.handshake" | "agent.protocol_violation") => refusals(env!, a).filter((e) => "suppressed" in e.details);
    expect(summary("agent.handshake").map((e) => [e.agentId, e.details.code, e.details.suppressed])).toEqual([[null, "unauthorized", 30]]);
    expect(summary("agent.protocol_violation").map((e) => [e.details.code, e.details.suppressed])).toEqual([["frame_too_large", 10]]);
    expect(refusals(env, "agent.handshake")).toHaveLength(21);
  });

  test("header split 1+3, byte-by-byte delivery and two frames in one write are all understood", async () => {
    env = await runtimeEnv();
    const c = await raw(env.services.config.paths.agentSocket);
    const unknown = encodeFrame({ v: 1, type: "x.unknown", id: "u1", payload: {} });
    c.write(unknown.subarray(0, 1));
    await Bun.sleep(0);
    c.write(unknown.subarray(1));
    const two = new Uint8Array([...encodeFrame({ v: 1, type: "x.unknown", id: "u2", payload: {} }), ...encodeFrame({ v: 1, type: "x.unknown", id: "u3", payload: {} })]);
    for (const b of two) c.write(new Uint8Array([b]));
    // Unknown types get an error each and the connection stays open (until the handshake deadline).
    await until(() => c.frames.length === 3, "three unknown_type replies");
    expect(c.frames.map((f) => [f.payload.code, f.reply_to])).toEqual([["unknown_type", "u1"], ["unknown_type", "u2"], ["unknown_type", "u3"]]);
    expect(c.isClosed()).toBe(false);
  });
});

function encodeFrameRaw(json: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}
