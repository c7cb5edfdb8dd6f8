/**
 * Stream mutations for the frame fuzzer: bit flips, byte overwrites, length
 * field corruption, truncation, insertion, deletion, splicing two streams,
 * bad bodies behind a valid header, and plain random bytes. Each mutation
 * records the first byte it may have changed and, where the outcome is
 * certain, what the decoder must report.
 */
import type { ErrorCode } from "../../src/protocol/error-codes.ts";
import { type PoolFrame, randomBadBody } from "./fuzz-corpus.ts";
import type { Prng } from "./fuzz-prng.ts";

/**
 * "clean": every frame, no error. "truncated": the frames wholly before the
 * cut, no error. An object: exactly `framesBefore` frames, then `code` (null:
 * no error). undefined: only the generic invariants apply.
 */
export type Expectation = "clean" | "truncated" | { code: ErrorCode | null; framesBefore: number } | undefined;

export interface Mutation {
  name: string;
  stream: Uint8Array;
  /** Offset of the first byte that may differ from the valid stream. */
  firstChange: number;
  expect: Expectation;
}

const INTERESTING_BYTES = [0x00, 0x22, 0x5c, 0x5b, 0x5d, 0x7b, 0x7d, 0x80, 0xbf, 0xc0, 0xed, 0xf4, 0xf8, 0xff];

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function header(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length >>> 0, false);
  return out;
}

export function mutateStream(
  rng: Prng,
  frames: readonly PoolFrame[],
  pool: readonly PoolFrame[],
  maxFrameBytes: number,
  maxDepth: number,
): Mutation {
  const base = concat(frames.map((frame) => frame.bytes));
  const starts: number[] = [];
  let at = 0;
  for (const frame of frames) {
    starts.push(at);
    at += frame.bytes.length;
  }
  const len = base.length;
  const roll = rng.int(100);

  if (roll < 15) return { name: "clean", stream: base, firstChange: Infinity, expect: "clean" };
  if (roll < 25) {
    const cut = rng.int(len);
    return { name: "truncate", stream: base.subarray(0, cut), firstChange: cut, expect: "truncated" };
  }
  if (roll < 45) {
    const stream = base.slice();
    let first = len;
    for (let k = 1 + rng.int(4); k > 0; k--) {
      const pos = rng.int(len);
      stream[pos]! ^= 1 << rng.int(8);
      first = Math.min(first, pos);
    }
    return { name: "bitflip", stream, firstChange: first, expect: undefined };
  }
  if (roll < 55) {
    const stream = base.slice();
    let first = len;
    for (let k = 1 + rng.int(3); k > 0; k--) {
      const pos = rng.int(len);
      stream[pos] = rng.pick(INTERESTING_BYTES);
      first = Math.min(first, pos);
    }
    return { name: "byteset", stream, firstChange: first, expect: undefined };
  }
  if (roll < 70) {
    const i = rng.int(frames.length);
    const n = frames[i]!.bytes.length - 4;
    const value = rng.pick([0, 0xffffffff, maxFrameBytes + 1, maxFrameBytes + 1 + rng.int(1e6), rng.u32(), n - 1, n + 1, 1 + rng.int(maxFrameBytes)]);
    const stream = base.slice();
    new DataView(stream.buffer).setUint32(starts[i]!, value, false);
    let expect: Expectation;
    if (value === 0) expect = { code: "bad_frame", framesBefore: i };
    else if (value > maxFrameBytes) expect = { code: "frame_too_large", framesBefore: i };
    else if (value === n - 1) expect = { code: "bad_frame", framesBefore: i }; // last byte "}" lost
    else if (value === n + 1) {
      // body swallows the next header's first byte (0x00): invalid JSON, or waits at the end of the stream
      expect = i + 1 < frames.length ? { code: "bad_frame", framesBefore: i } : { code: null, framesBefore: i };
    }
    return { name: "length", stream, firstChange: starts[i]!, expect };
  }
  if (roll < 75) {
    const pos = rng.int(len + 1);
    const stream = concat([base.subarray(0, pos), rng.bytes(1 + rng.int(32)), base.subarray(pos)]);
    return { name: "insert", stream, firstChange: pos, expect: undefined };
  }
  if (roll < 80) {
    const pos = rng.int(len);
    const stream = concat([base.subarray(0, pos), base.subarray(pos + 1 + rng.int(32))]);
    return { name: "delete", stream, firstChange: pos, expect: undefined };
  }
  if (roll < 85) {
    const other = concat([rng.pick(pool).bytes, rng.pick(pool).bytes]);
    const pos = rng.int(len + 1);
    const stream = concat([base.subarray(0, pos), other.subarray(rng.int(other.length + 1))]);
    return { name: "splice", stream, firstChange: pos, expect: undefined };
  }
  if (roll < 90) {
    const body = rng.bytes(rng.int(200));
    const stream = rng.chance(0.5) && body.length > 0 ? concat([header(body.length), body]) : body;
    return { name: "random", stream, firstChange: 0, expect: undefined };
  }
  const i = rng.int(frames.length);
  const body = randomBadBody(rng, maxDepth);
  const stream = concat([base.subarray(0, starts[i]!), header(body.length), body, base.subarray(starts[i]! + frames[i]!.bytes.length)]);
  const code = body.length > maxFrameBytes ? "frame_too_large" : "bad_frame";
  return { name: "bad-body", stream, firstChange: starts[i]!, expect: { code, framesBefore: i } };
}
