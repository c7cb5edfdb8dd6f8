/**
 * Seeded property test of exceedsJsonDepth's pre-scan: on random JSON with
 * long strings of quotes, backslashes and brackets it agrees exactly with the
 * real nesting depth. Lives beside the fuzz harness it draws values from.
 */
import { describe, expect, test } from "bun:test";
import { exceedsJsonDepth } from "../../src/protocol/frame-body.ts";
import { randomJsonValue } from "./fuzz-corpus.ts";
import { Prng } from "./fuzz-prng.ts";

const utf8 = new TextEncoder();

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === "object" && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

// Long strings full of quotes, backslashes and brackets, to drive both the
// short-string byte loop and the indexOf path of the string skipper.
const TRICKY = ['"', "\\", "\\\\", '\\"', "[", "]", "{", "}", "x", "é", "😀"];
function trickyString(rng: Prng): string {
  let out = "";
  for (let i = rng.int(120); i > 0; i--) out += rng.pick(TRICKY);
  return out;
}
function trickyValue(rng: Prng, depth: number): unknown {
  if (depth <= 0 || rng.chance(0.3)) return rng.chance(0.7) ? trickyString(rng) : randomJsonValue(rng, 0);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(4) }, () => trickyValue(rng, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--) out[trickyString(rng)] = trickyValue(rng, depth - 1);
  return out;
}

describe("exceedsJsonDepth", () => {
  test("agrees with the real nesting depth on 3,000 values with tricky strings", () => {
    const rng = new Prng(0xdee9);
    for (let i = 0; i < 3000; i++) {
      const value = trickyValue(rng, 1 + rng.int(10));
      const bytes = utf8.encode(JSON.stringify(value));
      const depth = depthOf(value);
      expect(exceedsJsonDepth(bytes, depth)).toBe(false);
      if (depth > 0) expect(exceedsJsonDepth(bytes, depth - 1)).toBe(true);
    }
  });
});
