import { describe, expect, test } from "bun:test";
import { FrameDecoder } from "./frame-decoder.ts";
import { encodeFrame } from "./frame-encoder.ts";
import {
  buildChatMessage,
  buildError,
  buildShutdown,
  buildToolCall,
  buildToolCancel,
  buildToolError,
  buildToolProgress,
  buildToolResult,
  buildToolsRegistered,
  buildWelcome,
  newFrameId,
  truncateText,
} from "./message-builders.ts";
import { parseMessage } from "./parse-message.ts";

const call = { request_id: "req-1", correlation_id: "turn-1" };

const built = {
  welcome: buildWelcome(
    { protocol_version: 1, session_id: "s-1", heartbeat_interval_ms: 5000, max_frame_bytes: 1_048_576, max_concurrent_calls: 4 },
    { reply_to: "a-1" },
  ),
  "tools.registered": buildToolsRegistered({ accepted: ["x"], rejected: [] }, { reply_to: "a-2" }),
  "tool.call": buildToolCall(
    { tool: "x", arguments: { a: 1 }, timeout_ms: 1000, caller: { kind: "cli", id: "cli-1" } },
    call,
  ),
  "tool.cancel": buildToolCancel({ reason: "timeout" }, call),
  "tool.progress": buildToolProgress({ seq: 0, chunk: "part" }, call),
  "tool.result": buildToolResult({ output: null }, call),
  "tool.error": buildToolError({ error: { code: "permission_denied", message: "no" } }, call),
  "chat.message": buildChatMessage({ session_id: "c", message_id: "m", text: "hi", history: [] }, call),
  error: buildError({ code: "unknown_type", message: "unknown" }, { reply_to: "a-3" }),
  shutdown: buildShutdown({ reason: "stopping", grace_ms: 5000 }),
};

describe("builders", () => {
  for (const [type, frame] of Object.entries(built)) {
    test(`${type}: fills v and a fresh id, and parses back`, () => {
      expect(frame.v).toBe(1);
      expect(frame.type).toBe(type as never);
      expect(frame.id.length).toBeGreaterThan(0);
      expect(Object.values(frame)).not.toContain(undefined);
      const [decoded] = new FrameDecoder().push(encodeFrame(frame)).frames;
      expect(parseMessage(decoded)).toEqual({ ok: true, msg: frame as never });
    });
  }

  test("envelope fields are set only when given", () => {
    expect(Object.keys(built.shutdown)).toEqual(["v", "type", "id", "payload"]);
    expect(built["tool.call"]).toMatchObject({ request_id: "req-1", correlation_id: "turn-1" });
  });

  test("frame ids are unique", () => {
    const ids = new Set(Array.from({ length: 10_000 }, newFrameId));
    expect(ids.size).toBe(10_000);
  });

  test("over-long error messages are truncated so the peer accepts them", () => {
    const error = buildError({ code: "internal", message: "x".repeat(10_000) });
    expect(error.payload.message.length).toBe(4096);
    const toolError = buildToolError({ error: { code: "internal", message: "y".repeat(5000) } }, call);
    expect(parseMessage(toolError).ok).toBe(true);
  });

  test("truncation never splits a surrogate pair", () => {
    expect(truncateText("ab😀", 3)).toBe("ab");
    expect(truncateText("ab😀", 4)).toBe("ab😀");
    expect(truncateText("abc", 10)).toBe("abc");
  });
});
