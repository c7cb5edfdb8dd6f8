/**
 * Protocol fuzz run and encode/decode throughput.
 *
 *   bun bench/protocol-fuzz.ts [cases] [seed]
 *
 * Runs `cases` frame-decoder fuzz cases (default 2,000,000) plus a tenth as
 * many parseMessage cases from `seed` (default 1), printing cases/s and a
 * summary; any failure is printed with its case seed and makes the exit code
 * 1. Then measures decoding of typical ~200-byte frames and of 64 KiB frames,
 * read in 64 KiB socket-sized chunks. Baseline (shared/design/stack-notes.md):
 * ~30-36k sequential Bun<->Elixir round trips/s over the Unix socket
 * (28-33 us each), the ceiling for one in-flight call; the per-frame cost of
 * small frames is shown as a share of that round trip.
 */
import { FrameDecoder, encodeFrame, parseMessage } from "../src/protocol/index.ts";
import { runMessageFuzz } from "../test/protocol/fuzz-messages.ts";
import { runFrameFuzz } from "../test/protocol/fuzz-runner.ts";

const BASELINE_ROUND_TRIP_US = 28;
const BATCH = 250_000;

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([key, value]) => `${key} ${fmt(value)}`)
    .join(", ");
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** Runs the frame and message fuzzers; returns the number of failures. */
function fuzz(cases: number, seed: number): number {
  let failures = 0;
  let done = 0;
  let bytes = 0;
  let frames = 0;
  const byMutation: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const start = performance.now();
  for (let batch = 0; done < cases; batch++) {
    const size = Math.min(BATCH, cases - done);
    const batchSeed = seed * 1000 + batch;
    const report = runFrameFuzz({ cases: size, seed: batchSeed });
    done += size;
    bytes += report.bytesFed;
    frames += report.framesDecoded;
    add(byMutation, report.byMutation);
    add(outcomes, report.errorsByCode);
    for (const f of report.failures) {
      failures++;
      console.log(`FAIL batch seed ${batchSeed} case ${f.index} (case seed ${f.caseSeed}, ${f.mutation}): ${f.reason}`);
    }
    const elapsed = (performance.now() - start) / 1000;
    if (done < cases) console.log(`  ... ${fmt(done)}/${fmt(cases)} cases, ${fmt(done / elapsed)} cases/s`);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`frame fuzz: ${fmt(cases)} cases in ${seconds.toFixed(1)} s = ${fmt(cases / seconds)} cases/s (seed ${seed})`);
  console.log(`  ${(bytes / 1e6).toFixed(1)} MB fed, ${fmt(frames)} frames decoded, ${failures} failures`);
  console.log(`  mutations: ${counts(byMutation)}`);
  console.log(`  outcomes:  ${counts(outcomes)}`);

  const messageCases = Math.max(1, Math.floor(cases / 10));
  const messageStart = performance.now();
  const messages = runMessageFuzz({ cases: messageCases, seed, maxFailures: 1000 });
  const messageSeconds = (performance.now() - messageStart) / 1000;
  for (const f of messages.failures) {
    failures++;
    console.log(`FAIL message case ${f.index} (case seed ${f.caseSeed}, ${f.mutation}): ${f.reason}`);
  }
  console.log(
    `message fuzz: ${fmt(messageCases)} cases in ${messageSeconds.toFixed(1)} s = ${fmt(messageCases / messageSeconds)} cases/s; ${counts(messages.byOutcome)}`,
  );
  return failures;
}

function report(label: string, frameBytes: number, frames: number, seconds: number, compare: boolean): void {
  const perFrameUs = (seconds * 1e6) / frames;
  const share = compare ? ` = ${((perFrameUs / BASELINE_ROUND_TRIP_US) * 100).toFixed(1)}% of a ${BASELINE_ROUND_TRIP_US} us UDS round trip` : "";
  console.log(
    `${label}: ${frameBytes} B/frame, ${fmt(frames / seconds)} frames/s, ${((frameBytes * frames) / 1e6 / seconds).toFixed(0)} MB/s, ` +
      `${perFrameUs.toFixed(2)} us/frame${share}`,
  );
}

/** Best of 5 rounds of decoding `count` copies of `frame`, read in 64 KiB chunks. */
function decodeThroughput(label: string, frame: object, count: number, parse: boolean, compare: boolean): void {
  const one = encodeFrame(frame);
  const stream = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) stream.set(one, i * one.length);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.slice(at, at + 65_536));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const decoder = new FrameDecoder();
    let decoded = 0;
    const start = performance.now();
    for (const chunk of chunks) {
      const result = decoder.push(chunk);
      if (result.error) throw result.error;
      if (parse) for (const f of result.frames) if (!parseMessage(f).ok) throw new Error("parse failed");
      decoded += result.frames.length;
    }
    best = Math.min(best, performance.now() - start);
    if (decoded !== count) throw new Error(`decoded ${decoded}/${count}`);
  }
  report(label, one.length, count, best / 1000, compare);
}

/** Best of 5 rounds of encoding `frame` `count` times. */
function encodeThroughput(label: string, frame: object, count: number, compare: boolean): void {
  let best = Infinity;
  let size = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) size = encodeFrame(frame).length;
    best = Math.min(best, performance.now() - start);
  }
  report(label, size, count, best / 1000, compare);
}

function throughput(): void {
  const small = {
    v: 1,
    type: "tool.progress",
    id: "3f0c2a8e-6b1d-4c55-9f2e-7a1b2c3d4e5f",
    request_id: "req-4f1d9a2b",
    correlation_id: "turn-81c2",
    payload: { seq: 17, chunk: "Scanning lib/agent.ex: 42 of 180 files done" },
  };
  const lines = Array.from({ length: 1200 }, (_, i) => ({ n: i, text: `line ${i}: defp handle(%{state: s} = msg), do: {:ok, s}` }));
  const big = { v: 1, type: "tool.result", id: "r-1", request_id: "req-9", payload: { output: { lines } } };
  while (encodeFrame(big).length > 65_540) lines.pop();
  const bigString = { v: 1, type: "tool.result", id: "r-2", request_id: "req-9", payload: { output: "é".repeat(32_730) } };

  console.log("decode throughput (64 KiB reads, best of 5 rounds):");
  decodeThroughput("  ~200 B frames, decode        ", small, 200_000, false, true);
  decodeThroughput("  ~200 B frames, decode + parse", small, 200_000, true, true);
  decodeThroughput("  64 KiB frames (JSON lines)   ", big, 2000, false, false);
  decodeThroughput("  64 KiB frames (one string)   ", bigString, 2000, false, false);
  console.log("encode throughput (best of 5 rounds):");
  encodeThroughput("  ~200 B frames                ", small, 200_000, true);
  encodeThroughput("  64 KiB frames (JSON lines)   ", big, 2000, false);
}

const cases = Number(process.argv[2] ?? 2_000_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed) || seed < 0) {
  console.error("usage: bun bench/protocol-fuzz.ts [cases] [seed]");
  process.exit(2);
}
const failures = fuzz(cases, seed);
throughput();
process.exit(failures > 0 ? 1 : 0);
