#!/usr/bin/env bun
/**
 * A protocol-level test peer, spawned by the real supervisor exactly like an
 * agent (entrypoint type "release"). Used ONLY for fault-injection tests that a
 * well-behaved Elixir agent cannot produce on demand (ignoring SIGTERM, going
 * silent, crashing at start). Happy-path and end-to-end tests use the real
 * Elixir example agents.
 *
 * Mode via FAKE_AGENT_MODE: normal | crash_at_start | ignore_term | silent
 */
import { encodeFrame, FrameDecoder } from "../../src/protocol/index.ts";

const mode = process.env.FAKE_AGENT_MODE ?? "normal";
if (mode === "crash_at_start") process.exit(3);
if (mode === "ignore_term") process.on("SIGTERM", () => {});

const path = process.env.OPENSENTIENCE_SOCKET!;
const agentId = process.env.OPENSENTIENCE_AGENT_ID!;
const token = process.env.OPENSENTIENCE_TOKEN!;
let n = 0;
const id = () => `f${++n}`;
const decoder = new FrameDecoder();
const timers = new Map<string, ReturnType<typeof setInterval>>();

const sock = await Bun.connect({
  unix: path,
  socket: {
    data(s, chunk) {
      for (const f of decoder.push(chunk).frames) handle(s, f as Record<string, any>);
    },
    close() {
      if (mode !== "ignore_term") process.exit(0);
    },
  },
});
const send = (o: object) => sock.write(encodeFrame(o));
send({ v: 1, type: "hello", id: id(), payload: { agent_id: agentId, token, agent_version: "1.0.0", sdk: { name: "fake", version: "0.0.1" }, protocol: { min: 1, max: 1 }, capabilities: ["tools", "streaming", "cancellation"] } });

function handle(_s: unknown, f: Record<string, any>) {
  if (f.type === "welcome") {
    send({
      v: 1,
      type: "tools.register",
      id: id(),
      payload: {
        tools: [
          { name: "echo", description: "echo", input_schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] }, permissions: [], streaming: false, cancellable: false },
          { name: "stream", description: "stream", input_schema: { type: "object" }, permissions: [], streaming: true, cancellable: true },
          { name: "hang", description: "never answers", input_schema: { type: "object" }, permissions: [], streaming: false, cancellable: true },
          { name: "secret", description: "needs a permission", input_schema: { type: "object" }, permissions: ["env:read:FAKE_SECRET"], streaming: false, cancellable: false },
        ],
      },
    });
    if (mode !== "silent") setInterval(() => send({ v: 1, type: "heartbeat", id: id(), payload: { seq: n } }), Number(process.env.FAKE_HEARTBEAT_MS ?? 200));
  } else if (f.type === "tool.call") {
    const rid = f.request_id;
    const { tool, arguments: args } = f.payload;
    if (tool === "echo") send({ v: 1, type: "tool.result", id: id(), request_id: rid, payload: { output: { text: args.text } } });
    else if (tool === "secret") send({ v: 1, type: "tool.result", id: id(), request_id: rid, payload: { output: { present: process.env.FAKE_SECRET !== undefined } } });
    else if (tool === "stream") {
      let seq = 0;
      timers.set(
        rid,
        setInterval(() => {
          send({ v: 1, type: "tool.progress", id: id(), request_id: rid, payload: { seq: ++seq, chunk: { i: seq } } });
          if (seq >= (args.n ?? 5)) {
            clearInterval(timers.get(rid));
            send({ v: 1, type: "tool.result", id: id(), request_id: rid, payload: { output: { count: seq } } });
          }
        }, 20),
      );
    }
  } else if (f.type === "tool.cancel") {
    clearInterval(timers.get(f.request_id));
    send({ v: 1, type: "tool.error", id: id(), request_id: f.request_id, payload: { error: { code: "canceled", message: "canceled" } } });
  } else if (f.type === "shutdown") {
    if (mode !== "ignore_term") process.exit(0);
  }
}
