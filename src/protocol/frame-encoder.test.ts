import { describe, expect, test } from "bun:test";
import { ProtocolError } from "./error-codes.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { encodeFrame } from "./frame-encoder.ts";
import { MESSAGE_EXAMPLES } from "./message-examples.ts";

function lengthOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset).getUint32(0, false);
}

function thrownBy(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error("expected a throw");
}

describe("encodeFrame", () => {
  test("writes a big-endian byte length then the UTF-8 JSON", () => {
    const frame = encodeFrame({ a: 1 });
    expect([...frame]).toEqual([0, 0, 0, 7, ...new TextEncoder().encode('{"a":1}')]);
  });

  test("the length counts UTF-8 bytes, not characters", () => {
    const frame = encodeFrame({ s: "é€😀" }); // 2 + 3 + 4 bytes
    expect(lengthOf(frame)).toBe('{"s":""}'.length + 9);
    expect(frame.length).toBe(lengthOf(frame) + 4);
  });

  test("every message example round-trips through the decoder", () => {
    const decoder = new FrameDecoder();
    for (const example of Object.values(MESSAGE_EXAMPLES)) {
      expect(decoder.push(encodeFrame(example))).toEqual({ frames: [example] });
    }
  });

  test("lone surrogates are escaped, so the bytes stay valid UTF-8", () => {
    const value = { s: "a\ud800b\udfff" };
    expect(new FrameDecoder().push(encodeFrame(value)).frames).toEqual([value]);
  });

  test("a body of exactly maxFrameBytes is allowed", () => {
    expect(lengthOf(encodeFrame({ s: "x".repeat(92) }, 100))).toBe(100);
  });

  test("over the cap throws frame_too_large (ASCII and multi-byte)", () => {
    expect(thrownBy(() => encodeFrame({ s: "x".repeat(93) }, 100)).code).toBe("frame_too_large");
    // 40 characters but 120 bytes: only the byte count can tell.
    expect(thrownBy(() => encodeFrame({ s: "€".repeat(40) }, 100)).code).toBe("frame_too_large");
  });

  test("values that are not a JSON object throw internal", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(thrownBy(() => encodeFrame(cyclic)).code).toBe("internal");
    expect(thrownBy(() => encodeFrame({ n: 1n })).code).toBe("internal");
    expect(thrownBy(() => encodeFrame([1, 2])).code).toBe("internal");
    expect(thrownBy(() => encodeFrame({ toJSON: () => "text" })).code).toBe("internal");
  });
});
