/**
 * Seeded fuzzing of the decoder and parseMessage (140,000 cases). A failure
 * prints its case seed; replay it alone with runFuzzCase(pool, caseSeed), or
 * run many more cases with `bun bench/protocol-fuzz.ts`.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_MAX_JSON_DEPTH } from "../../src/protocol/constants.ts";
import { buildFramePool } from "./fuzz-corpus.ts";
import { runMessageFuzz } from "./fuzz-messages.ts";
import { Prng, caseSeed } from "./fuzz-prng.ts";
import { runFrameFuzz, runFuzzCase } from "./fuzz-runner.ts";

const FRAME_RUNS = [
  { seed: 0x05e5_0001, cases: 30_000 },
  { seed: 0x05e5_0002, cases: 30_000 },
  { seed: 0x05e5_0003, cases: 30_000 },
  { seed: 0x05e5_0004, cases: 30_000 },
];
const MESSAGE_RUN = { seed: 0x05e5_1001, cases: 20_000 };
const MUTATIONS = ["clean", "truncate", "bitflip", "byteset", "length", "insert", "delete", "splice", "random", "bad-body"];

describe("frame decoder fuzz", () => {
  for (const run of FRAME_RUNS) {
    test(`seed ${run.seed.toString(16)}: ${run.cases} cases never throw, stay bounded, decode intact frames exactly`, () => {
      const report = runFrameFuzz(run);
      expect(report.failures).toEqual([]);
      expect(report.cases).toBe(run.cases);
      for (const mutation of MUTATIONS) expect(report.byMutation[mutation] ?? 0).toBeGreaterThan(run.cases / 40);
      expect(report.errorsByCode.bad_frame ?? 0).toBeGreaterThan(0);
      expect(report.errorsByCode.frame_too_large ?? 0).toBeGreaterThan(0);
      expect(report.errorsByCode.none ?? 0).toBeGreaterThan(0);
      expect(report.framesDecoded).toBeGreaterThan(run.cases / 2);
    });
  }

  test("a case replays identically from its case seed", () => {
    const pool = buildFramePool(new Prng(7), 64, DEFAULT_MAX_JSON_DEPTH);
    for (let i = 0; i < 200; i++) {
      const seed = caseSeed(7, i);
      expect(runFuzzCase(pool, seed)).toEqual(runFuzzCase(pool, seed));
    }
  });
});

describe("parseMessage fuzz", () => {
  test(`seed ${MESSAGE_RUN.seed.toString(16)}: ${MESSAGE_RUN.cases} mutated messages are classified, never thrown on`, () => {
    const report = runMessageFuzz(MESSAGE_RUN);
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(MESSAGE_RUN.cases);
    for (const outcome of ["ok", "bad_frame", "unknown_type", "unsupported_version"]) {
      expect(report.byOutcome[outcome] ?? 0).toBeGreaterThan(0);
    }
  });
});
