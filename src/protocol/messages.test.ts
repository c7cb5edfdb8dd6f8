import { describe, expect, test } from "bun:test";
import { MESSAGE_EXAMPLES } from "./message-examples.ts";
import { AGENT_SENDS, CORE_SENDS, MESSAGE_SCHEMAS, MESSAGE_TYPES, type MessageType } from "./messages.ts";
import { parseMessage } from "./parse-message.ts";

type Frame = Record<string, any>;
type Edit = (frame: Frame) => void;

const long = (n: number) => "x".repeat(n);
const many = <T>(n: number, item: T) => Array.from({ length: n }, () => structuredClone(item));

function edited(type: MessageType, edit: Edit): Frame {
  const frame = structuredClone(MESSAGE_EXAMPLES[type]) as Frame;
  edit(frame);
  return frame;
}

/** Edits that keep each type valid (beyond the example itself). */
const VALID: Partial<Record<MessageType, Record<string, Edit>>> = {
  hello: { "no capabilities": (f) => (f.payload.capabilities = []), "range 1..3": (f) => (f.payload.protocol = { min: 1, max: 3 }) },
  "tools.register": { "no tools": (f) => (f.payload.tools = []), "256 tools": (f) => (f.payload.tools = many(256, f.payload.tools[1])) },
  "tools.registered": { "nothing accepted": (f) => (f.payload = { accepted: [], rejected: [] }) },
  "tool.progress": { "object chunk": (f) => (f.payload.chunk = { lines: 3 }) },
  "tool.result": {
    "null output": (f) => (f.payload.output = null),
    "array output": (f) => (f.payload.output = [1, "two"]),
    "string output": (f) => (f.payload.output = ""),
  },
  "tool.error": { "no optional fields": (f) => (f.payload.error = { code: "timeout", message: "" }) },
  "tool.invoke": { "no timeout": (f) => delete f.payload.timeout_ms, "hyphenated agent": (f) => (f.payload.tool = "io.my-org.a_b/x1") },
  "chat.done": { "empty payload": (f) => (f.payload = {}) },
  log: { "no fields": (f) => delete f.payload.fields },
  shutdown: { "grace 0": (f) => (f.payload.grace_ms = 0) },
  error: { "no reply_to": (f) => delete f.reply_to, details: (f) => (f.payload.details = { a: 1 }) },
};

/** Edits that must make each type invalid (`bad_frame`). */
const INVALID: Record<MessageType, Record<string, Edit>> = {
  hello: {
    "agent_id not reverse-DNS": (f) => (f.payload.agent_id = "Bad/ID"),
    "agent_id too long": (f) => (f.payload.agent_id = `com.${long(130)}`),
    "empty token": (f) => (f.payload.token = ""),
    "token too long": (f) => (f.payload.token = long(513)),
    "min > max": (f) => (f.payload.protocol = { min: 2, max: 1 }),
    "version 0": (f) => (f.payload.protocol = { min: 0, max: 1 }),
    "65 capabilities": (f) => (f.payload.capabilities = many(65, "chat")),
    "no sdk": (f) => delete f.payload.sdk,
    "no agent_version": (f) => delete f.payload.agent_version,
  },
  welcome: {
    "no reply_to": (f) => delete f.reply_to,
    "heartbeat 0": (f) => (f.payload.heartbeat_interval_ms = 0),
    "negative max_frame_bytes": (f) => (f.payload.max_frame_bytes = -1),
    "session_id too long": (f) => (f.payload.session_id = long(129)),
    "fractional max_concurrent_calls": (f) => (f.payload.max_concurrent_calls = 1.5),
  },
  "tools.register": {
    "uppercase name": (f) => (f.payload.tools[0].name = "Bad"),
    "name starts with digit": (f) => (f.payload.tools[0].name = "1abc"),
    "name with hyphen": (f) => (f.payload.tools[0].name = "a-b"),
    "name of 65 chars": (f) => (f.payload.tools[0].name = `a${long(64)}`),
    "description too long": (f) => (f.payload.tools[0].description = long(4097)),
    "input_schema array": (f) => (f.payload.tools[0].input_schema = []),
    "permissions not array": (f) => (f.payload.tools[0].permissions = "process:spawn"),
    "257 tools": (f) => (f.payload.tools = many(257, f.payload.tools[1])),
    "streaming not bool": (f) => (f.payload.tools[0].streaming = "yes"),
    "no cancellable": (f) => delete f.payload.tools[1].cancellable,
    "timeout 0": (f) => (f.payload.tools[0].timeout_ms = 0),
    "tools not array": (f) => (f.payload.tools = {}),
  },
  "tools.registered": {
    "no reply_to": (f) => delete f.reply_to,
    "bad accepted name": (f) => (f.payload.accepted = ["Bad"]),
    "rejected without reason": (f) => (f.payload.rejected = [{ name: "x" }]),
  },
  "tool.call": {
    "no request_id": (f) => delete f.request_id,
    "no arguments": (f) => delete f.payload.arguments,
    "unknown caller kind": (f) => (f.payload.caller.kind = "robot"),
    "no timeout": (f) => delete f.payload.timeout_ms,
    "global tool id": (f) => (f.payload.tool = "com.example.x/y"),
  },
  "tool.progress": {
    "negative seq": (f) => (f.payload.seq = -1),
    "fractional seq": (f) => (f.payload.seq = 1.5),
    "number chunk": (f) => (f.payload.chunk = 3),
    "array chunk": (f) => (f.payload.chunk = ["a"]),
    "no request_id": (f) => delete f.request_id,
  },
  "tool.result": { "no output": (f) => delete f.payload.output, "no request_id": (f) => delete f.request_id },
  "tool.error": {
    "unknown code": (f) => (f.payload.error.code = "nope"),
    "no message": (f) => delete f.payload.error.message,
    "message too long": (f) => (f.payload.error.message = long(4097)),
    "retryable not bool": (f) => (f.payload.error.retryable = "no"),
    "details array": (f) => (f.payload.error.details = []),
  },
  "tool.cancel": { "no reason": (f) => delete f.payload.reason, "reason too long": (f) => (f.payload.reason = long(1025)) },
  "tool.invoke": {
    "short name only": (f) => (f.payload.tool = "find_files"),
    "bad tool name": (f) => (f.payload.tool = "com.example.search/Bad"),
    "path traversal": (f) => (f.payload.tool = "com.example/../x"),
    "negative timeout": (f) => (f.payload.timeout_ms = -5),
    "no request_id": (f) => delete f.request_id,
  },
  "chat.message": {
    "history item without role": (f) => (f.payload.history = [{ text: "x" }]),
    "1025 history items": (f) => (f.payload.history = many(1025, { role: "user", text: "x" })),
    "empty message_id": (f) => (f.payload.message_id = ""),
    "no text": (f) => delete f.payload.text,
  },
  "chat.delta": { "no text": (f) => delete f.payload.text, "number text": (f) => (f.payload.text = 1) },
  "chat.done": { "number text": (f) => (f.payload.text = 1), "no request_id": (f) => delete f.request_id },
  heartbeat: { "no seq": (f) => delete f.payload.seq, "string seq": (f) => (f.payload.seq = "1") },
  log: {
    "level trace": (f) => (f.payload.level = "trace"),
    "message too long": (f) => (f.payload.message = long(65_537)),
    "fields array": (f) => (f.payload.fields = []),
  },
  shutdown: { "negative grace": (f) => (f.payload.grace_ms = -1), "no reason": (f) => delete f.payload.reason },
  error: {
    "unknown code": (f) => (f.payload.code = "teapot"),
    "no message": (f) => delete f.payload.message,
    "details string": (f) => (f.payload.details = "x"),
  },
};

test("the known types are exactly those of the baseline", () => {
  expect([...MESSAGE_TYPES].sort() as string[]).toEqual(
    [
      "hello", "welcome", "tools.register", "tools.registered", "tool.call", "tool.progress", "tool.result",
      "tool.error", "tool.cancel", "tool.invoke", "chat.message", "chat.delta", "chat.done", "heartbeat", "log",
      "shutdown", "error",
    ].sort(),
  );
});

test("every type has a sender; only the call replies and error go both ways", () => {
  for (const type of MESSAGE_TYPES) expect(AGENT_SENDS.has(type) || CORE_SENDS.has(type)).toBe(true);
  const both = MESSAGE_TYPES.filter((type) => AGENT_SENDS.has(type) && CORE_SENDS.has(type));
  expect(both.sort() as string[]).toEqual(["error", "tool.error", "tool.progress", "tool.result"]);
});

for (const type of MESSAGE_TYPES) {
  describe(`${type} schema`, () => {
    test("accepts the valid example", () => {
      const result = parseMessage(MESSAGE_EXAMPLES[type]);
      expect(result).toEqual({ ok: true, msg: MESSAGE_EXAMPLES[type] as never });
      expect(MESSAGE_SCHEMAS[type].safeParse(MESSAGE_EXAMPLES[type]).success).toBe(true);
    });

    for (const [name, edit] of Object.entries(VALID[type] ?? {})) {
      test(`accepts: ${name}`, () => {
        const result = parseMessage(edited(type, edit));
        expect(result.ok ? "ok" : result.message).toBe("ok");
      });
    }

    for (const [name, edit] of Object.entries(INVALID[type])) {
      test(`rejects: ${name}`, () => {
        const frame = edited(type, edit);
        const result = parseMessage(frame);
        expect(result.ok ? "ok" : result.code).toBe("bad_frame");
        expect(MESSAGE_SCHEMAS[type].safeParse(frame).success).toBe(false);
      });
    }
  });
}

test("unknown fields in the envelope and payload are ignored (stripped)", () => {
  const frame = edited("heartbeat", (f) => {
    f.extra = { x: 1 };
    f.payload.future = true;
  });
  const result = parseMessage(frame);
  expect(result).toEqual({ ok: true, msg: MESSAGE_EXAMPLES.heartbeat as never });
});
