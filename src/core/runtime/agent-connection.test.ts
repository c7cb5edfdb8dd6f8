import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { AgentConnection } from "./agent-connection.ts";

test("a peer that stops reading is closed with a not_reading refusal once the outbound queue passes its cap", () => {
  // A socket whose kernel buffer is full: every write takes nothing.
  let ended = false;
  const socket = { write: () => 0, end: () => void (ended = true) } as unknown as Socket<unknown>;
  const closes: string[] = [];
  const conn = new AgentConnection(socket, { maxFrameBytes: 4096, maxQueueBytes: 1000 }, { onMessage: () => {}, onClose: (_c, reason) => closes.push(reason) });
  for (let i = 0; i < 20 && !conn.isClosed(); i++) conn.send({ v: 1, type: "heartbeat", id: `h${i}`, payload: { seq: i } });
  expect(conn.isClosed()).toBe(true);
  expect(ended).toBe(true);
  expect(conn.refusal).toEqual({ kind: "protocol", code: "not_reading", reason: "outbound queue over 1000 bytes (peer not reading)" });
  expect(closes).toEqual(["not_reading: outbound queue over 1000 bytes (peer not reading)"]);
});

test("bytes received are counted; the first refusal wins", () => {
  const socket = { write: (b: Uint8Array) => b.length, end: () => {} } as unknown as Socket<unknown>;
  const conn = new AgentConnection(socket, { maxFrameBytes: 16, maxQueueBytes: 1 << 20 }, { onMessage: () => {}, onClose: () => {} });
  conn.onData(new Uint8Array([0, 0, 1, 0])); // declares 256 > 16
  expect(conn.bytesIn).toBe(4);
  expect(conn.refusal).toMatchObject({ kind: "protocol", code: "frame_too_large", frameLength: 256 });
  conn.refuse({ kind: "handshake", code: "handshake_timeout", reason: "late" });
  expect(conn.refusal?.code).toBe("frame_too_large");
});
