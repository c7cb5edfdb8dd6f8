/**
 * Generators for the protocol fuzz tests: random JSON objects that exercise
 * escapes, every UTF-8 width and brackets inside strings, and a pool of
 * encoded frames (random objects plus one real example per message type).
 */
import { encodeFrame } from "../../src/protocol/frame-encoder.ts";
import { MESSAGE_EXAMPLES } from "../../src/protocol/message-examples.ts";
import type { Prng } from "./fuzz-prng.ts";

// Pieces of 1-, 2-, 3- and 4-byte UTF-8, JSON escapes, brackets that the depth
// pre-scan must ignore inside strings, and a lone surrogate (escaped by JSON.stringify).
const STRING_PIECES = [
  "a", "Z", "0", "_", " ", "tool", "id", '"', "\\", "\\\"", "[", "]", "{", "}", "\n", "\t", "\u0000", "/",
  "é", "ß", "€", "✓", "\u2028", "😀", "𝄞", "\ud800", "\udfff", "日本",
];

export function randomString(rng: Prng, maxPieces = 12): string {
  let out = "";
  const pieces = rng.int(maxPieces + 1);
  for (let i = 0; i < pieces; i++) out += rng.pick(STRING_PIECES);
  return out;
}

function randomNumber(rng: Prng): number {
  switch (rng.int(5)) {
    case 0:
      return rng.int(1000);
    case 1:
      return rng.range(-2_000_000_000, 2_000_000_000);
    case 2:
      return (rng.float() - 0.5) * 1e6 || 0;
    case 3:
      return rng.pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e300, 5e-324, -1.5e-7]);
    default:
      return rng.u32();
  }
}

/** A random JSON value at most `depth` levels deep (arrays and objects count one level each). */
export function randomJsonValue(rng: Prng, depth: number): unknown {
  const kind = depth <= 0 ? rng.int(4) : rng.int(7);
  switch (kind) {
    case 0:
      return randomString(rng);
    case 1:
      return randomNumber(rng);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4: {
      const out: unknown[] = [];
      const n = rng.int(5);
      for (let i = 0; i < n; i++) out.push(randomJsonValue(rng, depth - 1));
      return out;
    }
    default:
      return randomJsonObject(rng, depth);
  }
}

/** A random JSON object at most `depth` levels deep (the object itself is level 1). */
export function randomJsonObject(rng: Prng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const key = randomString(rng, 3);
    if (key === "__proto__") continue; // would set the prototype, not a key
    out[key] = randomJsonValue(rng, depth - 1);
  }
  return out;
}

/** An object nested exactly `depth` levels: {"k":{"k":...{}}}. */
export function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { k: value };
  return value;
}

export interface PoolFrame {
  obj: Record<string, unknown>;
  bytes: Uint8Array;
  /** True for the valid protocol messages, which must also pass parseMessage. */
  message: boolean;
}

/** Encoded frames for the fuzzers: every message example, a few depth-limit cases, then random objects. */
export function buildFramePool(rng: Prng, size: number, maxDepth: number): PoolFrame[] {
  const pool: PoolFrame[] = [];
  const add = (obj: Record<string, unknown>, message = false) => pool.push({ obj, bytes: encodeFrame(obj), message });
  for (const example of Object.values(MESSAGE_EXAMPLES)) add(example, true);
  add({});
  add(nestedObject(maxDepth));
  add({ deep: nestedObject(maxDepth - 1), s: "[[[[{{{{" });
  while (pool.length < size) add(randomJsonObject(rng, rng.chance(0.1) ? 8 : 4));
  return pool;
}

/** Frame bodies that are valid UTF-8 but must be rejected with `bad_frame`. */
export function randomBadBody(rng: Prng, maxDepth: number): Uint8Array {
  const utf8 = new TextEncoder();
  switch (rng.int(8)) {
    case 0:
      return utf8.encode(JSON.stringify([randomJsonValue(rng, 2)]));
    case 1:
      return utf8.encode(rng.pick(["null", "0", "-1.5e3", '"str"', "true", "[]", "[{}]", '""']));
    case 2:
      return utf8.encode("[".repeat(maxDepth + 1 + rng.int(2000)));
    case 3:
      return utf8.encode(`{"a":${"[".repeat(maxDepth)}${"]".repeat(maxDepth)}}`);
    case 4:
      return utf8.encode(`{"a":1}${rng.pick(["x", "{}", ",", "}"])}`);
    case 5:
      return utf8.encode("\ufeff{}");
    case 6: {
      // {"s":"<invalid UTF-8>"}: overlong, UTF-16 surrogate, truncated sequence, 0xFF
      const bad = rng.pick([[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0x80], [0xf4, 0x90, 0x80, 0x80]]);
      return Uint8Array.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, ...bad, 0x22, 0x7d]);
    }
    default:
      return utf8.encode(`{"a":${JSON.stringify(randomString(rng))}`); // object never closed
  }
}
