import { describe, expect, test } from "bun:test";
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_JSON_DEPTH } from "./constants.ts";
import { ProtocolError } from "./error-codes.ts";
import { FrameDecoder, decodeFrame } from "./frame-decoder.ts";
import { encodeFrame } from "./frame-encoder.ts";

const utf8 = new TextEncoder();

/** The parts as one fresh Uint8Array (not a Buffer view into a shared pool). */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** An object nested exactly `depth` levels: {"k":{"k":...{}}}. */
function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { k: value };
  return value;
}

function header(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length >>> 0, false);
  return out;
}

/** A frame with an arbitrary body, bypassing the encoder's checks. */
function rawFrame(body: Uint8Array | string): Uint8Array {
  const bytes = typeof body === "string" ? utf8.encode(body) : body;
  return concat([header(bytes.length), bytes]);
}

function decodeAll(stream: Uint8Array, options = {}) {
  return new FrameDecoder(options).push(stream);
}

function expectError(stream: Uint8Array, code: string, options = {}) {
  const result = decodeAll(stream, options);
  expect(result.error).toBeInstanceOf(ProtocolError);
  expect(result.error?.code).toBe(code as never);
  return result;
}

const A = { v: 1, type: "heartbeat", id: "a-1", payload: { seq: 1 } };
const B = { v: 1, type: "log", id: "a-2", payload: { level: "info", message: "héllo € 😀 \"[{" } };

describe("FrameDecoder: lengths", () => {
  test("length 0 is bad_frame", () => {
    expectError(header(0), "bad_frame");
  });

  test("length 0xFFFFFFFF is frame_too_large from the header alone, nothing buffered", () => {
    const decoder = new FrameDecoder();
    const result = decoder.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff]));
    expect(result.error?.code).toBe("frame_too_large");
    // The declared length travels with the error, for the audit of the violation.
    expect(result.error?.frameLength).toBe(0xffffffff);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("a length over the cap is frame_too_large before any body byte", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 });
    expect(decoder.push(header(101)).error?.code).toBe("frame_too_large");
    expect(decoder.bufferedBytes).toBe(0);
    expect(decodeAll(header(DEFAULT_MAX_FRAME_BYTES + 1)).error?.code).toBe("frame_too_large");
  });

  test("a frame of exactly maxFrameBytes is accepted", () => {
    const pad = "x".repeat(DEFAULT_MAX_FRAME_BYTES - '{"p":""}'.length);
    const frame = encodeFrame({ p: pad });
    expect(frame.length).toBe(DEFAULT_MAX_FRAME_BYTES + 4);
    const result = decodeAll(frame);
    expect(result.error).toBeUndefined();
    expect(result.frames).toEqual([{ p: pad }]);
  });

  test("the buffer for a pending frame never exceeds the announced length <= cap", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
    decoder.push(concat([header(1000), utf8.encode("{")]));
    expect(decoder.bufferedBytes).toBe(1000);
    expect(decoder.idle).toBe(false);
  });

  test("invalid maxFrameBytes options are refused", () => {
    expect(() => new FrameDecoder({ maxFrameBytes: 0 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxFrameBytes: 1.5 })).toThrow(RangeError);
  });
});

describe("FrameDecoder: splitting", () => {
  const stream = concat([encodeFrame(A), encodeFrame(B)]);

  test("header split 1+3", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(A);
    expect(decoder.push(frame.subarray(0, 1)).frames).toEqual([]);
    expect(decoder.bufferedBytes).toBe(1);
    expect(decoder.push(frame.subarray(1, 4)).frames).toEqual([]);
    expect(decoder.push(frame.subarray(4)).frames).toEqual([A]);
    expect(decoder.idle).toBe(true);
  });

  test("byte-by-byte delivery", () => {
    const decoder = new FrameDecoder();
    const frames: unknown[] = [];
    for (let i = 0; i < stream.length; i++) {
      const result = decoder.push(stream.subarray(i, i + 1));
      expect(result.error).toBeUndefined();
      frames.push(...result.frames);
    }
    expect(frames).toEqual([A, B]);
  });

  test("two frames in one write", () => {
    expect(decodeAll(stream)).toEqual({ frames: [A, B] });
  });

  test("every split into two or three pieces gives the same frames", () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 7) {
        const decoder = new FrameDecoder();
        const frames = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)].flatMap(
          (part) => decoder.push(part).frames,
        );
        expect(frames).toEqual([A, B]);
      }
    }
  });

  test("empty chunks are harmless", () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual({ frames: [] });
    expect(decoder.push(stream).frames).toEqual([A, B]);
  });

  test("pending bytes are copied: the caller may reuse its chunk buffer", () => {
    const decoder = new FrameDecoder();
    const scratch = stream.slice();
    decoder.push(scratch.subarray(0, 10));
    scratch.fill(0xaa, 0, 10);
    expect(decoder.push(stream.subarray(10)).frames).toEqual([A, B]);
  });

  test("Buffer chunks and subarrays with an offset work", () => {
    const padded = Buffer.concat([Buffer.from("junk"), Buffer.from(stream)]);
    expect(decodeAll(padded.subarray(4)).frames).toEqual([A, B]);
  });
});

describe("FrameDecoder: bodies", () => {
  test("bad UTF-8 is bad_frame", () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const body = Uint8Array.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, ...bad, 0x22, 0x7d]);
      expectError(rawFrame(body), "bad_frame");
    }
  });

  test("non-object JSON is bad_frame: array, null, number, string, boolean", () => {
    for (const body of ["[]", "[{}]", "null", "42", "-1.5e3", '"str"', "true"]) {
      const result = expectError(rawFrame(body), "bad_frame");
      expect(result.error?.message).toContain("must be a JSON object");
    }
  });

  test("invalid JSON is bad_frame", () => {
    for (const body of ["{", "{}x", "{}{}", "{'a':1}", '{"a":01}', "{a:1}", "\ufeff{}", " "]) {
      expectError(rawFrame(body), "bad_frame");
    }
  });

  test("whitespace around the object is valid JSON", () => {
    expect(decodeAll(rawFrame(' \n{"a":1}\t')).frames).toEqual([{ a: 1 }]);
  });

  test("deeply nested JSON (100k '[') is bad_frame without overflowing the stack", () => {
    expectError(rawFrame("[".repeat(100_000)), "bad_frame");
    expectError(rawFrame(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`), "bad_frame");
  });

  test(`nesting of exactly ${DEFAULT_MAX_JSON_DEPTH} levels is accepted, one more is not`, () => {
    const ok = nestedObject(DEFAULT_MAX_JSON_DEPTH);
    expect(decodeAll(encodeFrame(ok)).frames).toEqual([ok]);
    expectError(encodeFrame(nestedObject(DEFAULT_MAX_JSON_DEPTH + 1)), "bad_frame");
  });

  test("brackets and escaped quotes inside strings do not count as nesting", () => {
    const value = { s: "[".repeat(1000), t: '\\"[[[[', u: "\\", w: "{{{{" };
    expect(decodeAll(encodeFrame(value)).frames).toEqual([value]);
  });

  test("a __proto__ key stays an own property and does not change the prototype", () => {
    const [frame] = decodeAll(rawFrame('{"__proto__":{"polluted":true},"a":1}')).frames;
    expect(Object.getPrototypeOf(frame)).toBe(Object.prototype);
    expect(Object.hasOwn(frame!, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("FrameDecoder: after an error", () => {
  test("frames before the error are returned with it", () => {
    const result = decodeAll(concat([encodeFrame(A), rawFrame("[]"), encodeFrame(B)]));
    expect(result.frames).toEqual([A]);
    expect(result.error?.code).toBe("bad_frame");
  });

  test("the decoder is poisoned: later pushes return the same error and no frames", () => {
    const decoder = new FrameDecoder();
    const first = decoder.push(header(0)).error;
    expect(decoder.error).toBe(first!);
    const later = decoder.push(encodeFrame(A));
    expect(later.frames).toEqual([]);
    expect(later.error).toBe(first!);
    expect(decoder.bufferedBytes).toBe(0);
  });
});

describe("decodeFrame (pure)", () => {
  const frame = encodeFrame(A);

  test("says how many bytes it still needs", () => {
    expect(decodeFrame(frame.subarray(0, 1))).toEqual({ kind: "need", bytes: 3 });
    expect(decodeFrame(frame.subarray(0, 10))).toEqual({ kind: "need", bytes: frame.length - 10 });
  });

  test("returns the frame and the bytes it used", () => {
    const step = decodeFrame(concat([frame, frame]));
    expect(step).toEqual({ kind: "frame", frame: A, consumed: frame.length });
  });

  test("reports errors from the header alone", () => {
    const step = decodeFrame(header(0xffffffff));
    expect(step.kind === "error" && step.error.code).toBe("frame_too_large");
  });
});
