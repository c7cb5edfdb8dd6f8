import { describe, expect, test } from "bun:test";
import { MESSAGE_EXAMPLES } from "./message-examples.ts";
import { type ParseResult, parseMessage } from "./parse-message.ts";

const heartbeat = MESSAGE_EXAMPLES.heartbeat;

function failureOf(result: ParseResult) {
  if (result.ok) throw new Error(`expected a failure, got ${result.msg.type}`);
  return result;
}

describe("parseMessage: unknown type", () => {
  test("a well-formed frame of an unknown type is unknown_type, with its id for reply_to", () => {
    const result = failureOf(parseMessage({ ...heartbeat, type: "tool.frobnicate", id: "a-99" }));
    expect(result.code).toBe("unknown_type");
    expect(result.id).toBe("a-99");
    expect(result.type).toBe("tool.frobnicate");
    expect(result.message).toContain("tool.frobnicate");
  });

  test("names of Object.prototype members are unknown types, not schemas", () => {
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(failureOf(parseMessage({ ...heartbeat, type })).code).toBe("unknown_type");
    }
  });

  test("an unknown type with a broken envelope is bad_frame", () => {
    const { id: _id, ...noId } = heartbeat;
    expect(failureOf(parseMessage({ ...noId, type: "tool.frobnicate" })).code).toBe("bad_frame");
  });
});

describe("parseMessage: envelope", () => {
  for (const field of ["v", "type", "id", "payload"]) {
    test(`missing ${field} is bad_frame`, () => {
      const frame: Record<string, unknown> = { ...heartbeat };
      delete frame[field];
      const result = failureOf(parseMessage(frame));
      expect(result.code).toBe("bad_frame");
      expect(result.message).toContain(field);
    });
  }

  const wrong: Record<string, Record<string, unknown>> = {
    "v as string": { v: "1" },
    "fractional v": { v: 1.5 },
    "v 0": { v: 0 },
    "empty id": { id: "" },
    "id of 129 chars": { id: "x".repeat(129) },
    "numeric id": { id: 7 },
    "empty type": { type: "" },
    "payload array": { payload: [] },
    "payload null": { payload: null },
    "reply_to number": { reply_to: 3 },
    "request_id too long": { request_id: "r".repeat(129) },
    "correlation_id empty": { correlation_id: "" },
    "causation_id object": { causation_id: {} },
  };
  for (const [name, patch] of Object.entries(wrong)) {
    test(`${name} is bad_frame`, () => {
      expect(failureOf(parseMessage({ ...heartbeat, ...patch })).code).toBe("bad_frame");
    });
  }

  test("a frame of another major version is unsupported_version", () => {
    const result = failureOf(parseMessage({ ...heartbeat, v: 2 }));
    expect(result.code).toBe("unsupported_version");
    expect(result.id).toBe(heartbeat.id as string);
  });

  test("non-objects are bad_frame, never a throw", () => {
    for (const value of [null, undefined, [], "x", 1, true]) {
      expect(failureOf(parseMessage(value)).code).toBe("bad_frame");
    }
  });

  test("all optional envelope ids are kept", () => {
    const frame = { ...heartbeat, reply_to: "r", request_id: "q", correlation_id: "c", causation_id: "k" };
    expect(parseMessage(frame)).toEqual({ ok: true, msg: frame as never });
  });
});

describe("parseMessage: failure details", () => {
  test("a malformed known type is bad_frame naming the path, with id and request_id", () => {
    const frame = structuredClone(MESSAGE_EXAMPLES["tool.result"]);
    delete (frame.payload as Record<string, unknown>).output;
    const result = failureOf(parseMessage(frame));
    expect(result.code).toBe("bad_frame");
    expect(result.message).toContain("invalid tool.result");
    expect(result.message).toContain("payload.output");
    expect(result.request_id).toBe(frame.request_id as string);
    expect(result.id).toBe(frame.id as string);
  });

  test("the message lists at most three issues", () => {
    const result = failureOf(parseMessage({ v: "x", type: 1, id: 2, payload: 3 }));
    expect(result.message).toContain("(+1 more)");
    expect(result.id).toBeUndefined();
    expect(result.type).toBeUndefined();
  });

  test("the type of a valid message narrows its payload", () => {
    const result = parseMessage(MESSAGE_EXAMPLES["tool.call"]);
    if (!result.ok || result.msg.type !== "tool.call") throw new Error("expected tool.call");
    const kind: "cli" | "ui" | "chat" | "api" | "agent" = result.msg.payload.caller.kind;
    const requestId: string = result.msg.request_id;
    expect([kind, requestId]).toEqual(["cli", "req-7f3c"]);
  });
});
