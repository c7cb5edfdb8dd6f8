/**
 * The frame fuzzer shared by the test suite and bench/protocol-fuzz.ts. Each
 * case builds a stream of 1-4 valid frames, mutates it (or not), feeds it to
 * a fresh FrameDecoder in random chunks, and checks the decoder's contract:
 * it never throws, never holds more than maxFrameBytes + 4 bytes, returns
 * only plain objects and at most one typed error, decodes every frame before
 * the first corrupted byte exactly as encoded, and reports the precise error
 * for a corrupted length or body. Case `i` of seed `s` replays alone.
 */
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_JSON_DEPTH } from "../../src/protocol/constants.ts";
import { ProtocolError } from "../../src/protocol/error-codes.ts";
import { type PoolFrame, buildFramePool } from "./fuzz-corpus.ts";
import { Prng, caseSeed } from "./fuzz-prng.ts";
import { FrameDecoder } from "../../src/protocol/frame-decoder.ts";
import type { JsonObject } from "../../src/protocol/frame-body.ts";
import { parseMessage } from "../../src/protocol/parse-message.ts";
import { mutateStream, type Mutation } from "./fuzz-mutations.ts";

export const FUZZ_MAX_FRAME_BYTES = 4096;

export interface FuzzFailure {
  index: number;
  caseSeed: number;
  mutation: string;
  reason: string;
}

export interface FuzzReport {
  cases: number;
  bytesFed: number;
  framesDecoded: number;
  byMutation: Record<string, number>;
  errorsByCode: Record<string, number>;
  failures: FuzzFailure[];
}

interface Fed {
  frames: JsonObject[];
  error?: ProtocolError;
  failure?: string;
}

const STREAM_ERROR_CODES = new Set(["bad_frame", "frame_too_large"]);
const NO_BYTES = new Uint8Array(0);

/** Feeds `stream` in randomly sized chunks, checking the per-push invariants. */
function feed(decoder: FrameDecoder, stream: Uint8Array, rng: Prng): Fed {
  const frames: JsonObject[] = [];
  let error: ProtocolError | undefined;
  const mode = rng.int(10);
  const bytewise = mode === 0 && stream.length <= 4096;
  const maxChunk = mode < 4 ? stream.length || 1 : rng.pick([2, 3, 5, 17, 64, 700]);
  const reuse = mode === 9 ? new Uint8Array(maxChunk) : null; // scratch buffer overwritten after each push
  for (let at = 0; at < stream.length || at === 0; ) {
    const size = bytewise ? 1 : Math.min(stream.length - at, 1 + rng.int(maxChunk));
    let chunk = stream.length === 0 ? NO_BYTES : stream.subarray(at, at + size);
    if (reuse) {
      reuse.set(chunk);
      chunk = reuse.subarray(0, chunk.length);
    }
    at += Math.max(size, 1);
    let result;
    try {
      result = decoder.push(chunk);
    } catch (thrown) {
      return { frames, failure: `push threw: ${String(thrown)}` };
    }
    reuse?.fill(0xaa);
    if (decoder.bufferedBytes > decoder.maxFrameBytes + 4) return { frames, failure: `buffered ${decoder.bufferedBytes} bytes` };
    if (error && (result.frames.length > 0 || result.error !== error)) return { frames, failure: "frames after the error" };
    for (const frame of result.frames) {
      if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return { frames, failure: "non-object frame" };
      frames.push(frame);
    }
    if (result.error) {
      if (!(result.error instanceof ProtocolError) || !STREAM_ERROR_CODES.has(result.error.code)) {
        return { frames, failure: `untyped error ${String(result.error)}` };
      }
      error = result.error;
    }
  }
  return error ? { frames, error } : { frames };
}

function check(mutation: Mutation, originals: readonly PoolFrame[], ends: readonly number[], fed: Fed, decoder: FrameDecoder): string | undefined {
  if (fed.failure) return fed.failure;
  let intact = 0;
  while (intact < ends.length && ends[intact]! <= mutation.firstChange) intact++;
  if (fed.frames.length < intact) return `decoded ${fed.frames.length} frames, ${intact} precede the first change`;
  for (let i = 0; i < intact; i++) {
    if (!Bun.deepEquals(fed.frames[i], originals[i]!.obj, true)) return `frame ${i} differs from what was encoded`;
  }
  for (const frame of fed.frames) {
    try {
      parseMessage(frame);
    } catch (thrown) {
      return `parseMessage threw: ${String(thrown)}`;
    }
  }
  const expect = mutation.expect;
  if (expect === "clean") {
    if (fed.error) return `clean stream failed: ${fed.error.message}`;
    if (fed.frames.length !== originals.length) return `clean stream gave ${fed.frames.length}/${originals.length} frames`;
    if (!decoder.idle) return "clean stream left a partial frame";
    for (const frame of originals) {
      if (frame.message && !parseMessage(frame.obj).ok) return `example ${String(frame.obj.type)} did not parse`;
    }
  } else if (expect === "truncated") {
    if (fed.error) return `truncated stream failed: ${fed.error.message}`;
    if (fed.frames.length !== intact) return `truncated stream gave ${fed.frames.length} frames, expected ${intact}`;
    const atBoundary = mutation.firstChange === 0 || ends.includes(mutation.firstChange);
    if (decoder.idle !== atBoundary) return "idle flag wrong after truncation";
  } else if (expect) {
    if ((fed.error?.code ?? null) !== expect.code) return `expected ${expect.code}, got ${fed.error?.code ?? "no error"}`;
    if (fed.frames.length !== expect.framesBefore) return `expected ${expect.framesBefore} frames before the error, got ${fed.frames.length}`;
  }
  return undefined;
}

/** Runs one case on its own PRNG; returns the mutation name and a failure reason, if any. */
export function runFuzzCase(pool: readonly PoolFrame[], seed: number, report?: FuzzReport): { mutation: string; failure?: string } {
  const rng = new Prng(seed);
  const maxFrameBytes = rng.chance(0.9) ? FUZZ_MAX_FRAME_BYTES : DEFAULT_MAX_FRAME_BYTES;
  const originals: PoolFrame[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) originals.push(rng.pick(pool));
  const mutation = mutateStream(rng, originals, pool, maxFrameBytes, DEFAULT_MAX_JSON_DEPTH);
  const ends: number[] = [];
  let end = 0;
  for (const frame of originals) ends.push((end += frame.bytes.length));
  const decoder = new FrameDecoder({ maxFrameBytes });
  const fed = feed(decoder, mutation.stream, rng);
  if (report) {
    report.bytesFed += mutation.stream.length;
    report.framesDecoded += fed.frames.length;
    report.byMutation[mutation.name] = (report.byMutation[mutation.name] ?? 0) + 1;
    const code = fed.error?.code ?? "none";
    report.errorsByCode[code] = (report.errorsByCode[code] ?? 0) + 1;
  }
  const failure = check(mutation, originals, ends, fed, decoder);
  return failure ? { mutation: mutation.name, failure } : { mutation: mutation.name };
}

/** Runs `cases` cases from `seed`; stops collecting failures after `maxFailures`. */
export function runFrameFuzz(options: { cases: number; seed: number; poolSize?: number; maxFailures?: number }): FuzzReport {
  const pool = buildFramePool(new Prng(options.seed), options.poolSize ?? 256, DEFAULT_MAX_JSON_DEPTH).filter(
    (frame) => frame.bytes.length <= FUZZ_MAX_FRAME_BYTES + 4,
  );
  const report: FuzzReport = { cases: 0, bytesFed: 0, framesDecoded: 0, byMutation: {}, errorsByCode: {}, failures: [] };
  const maxFailures = options.maxFailures ?? 20;
  for (let index = 0; index < options.cases; index++) {
    const seed = caseSeed(options.seed, index);
    const outcome = runFuzzCase(pool, seed, report);
    report.cases++;
    if (outcome.failure && report.failures.length < maxFailures) {
      report.failures.push({ index, caseSeed: seed, mutation: outcome.mutation, reason: outcome.failure });
    }
  }
  return report;
}
