/**
 * The hub over a real Unix socket with a raw client: handshake faults and bad
 * frames. Tokens are issued through the supervisor's launch path by starting a
 * real (fake-peer) agent, then replayed/stolen by this raw client.
 */
import { afterEach, describe, expect, test } from "bun:test";
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
  return { frames, closed: closedP, isClosed: () => closed, write: (b) => void sock.write(b), send: (o) => void sock.write(encodeFrame(o)) };
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
  });

  test("a frame other than hello first: unauthorized, closed", async () => {
    env = await runtimeEnv();
    const c = await raw(env.services.config.paths.agentSocket);
    c.send({ v: 1, type: "heartbeat", id: "x", payload: { seq: 1 } });
    await c.closed;
    expect(c.frames[0]).toMatchObject({ type: "error", payload: { code: "unauthorized" } });
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

    expect(env.services.audit.query({ action: "agent.handshake" }).filter((e) => e.outcome === "denied").length).toBe(3);
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
    test(`${name}: one error frame, then closed`, async () => {
      env ??= await runtimeEnv();
      const c = await raw(env.services.config.paths.agentSocket);
      c.write(bytes);
      await c.closed;
      expect(c.frames).toHaveLength(1);
      expect(c.frames[0]).toMatchObject({ type: "error", payload: { code } });
    });
  }

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
