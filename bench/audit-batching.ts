/**
 * Issue 13 goal 1, the audit side of the tool-call hot path: the real Router
 * routing to an in-process agent double (answers at once), each call followed
 * by a macrotask turn (as the next HTTP request would be), with the per-call
 * audit rows committed (a) on the next event-loop turn (setImmediate: what
 * `recordSoon` did before, one commit per call at this pace) and (b) within
 * the 20 ms window (now). Both write the hash-chained rows. Also: the longest
 * a row waited for its commit in window mode (the documented promise: 50 ms). Interleaved rounds, medians; also commits per 1,000 calls.
 *
 *   bun bench/audit-batching.ts [--calls 5000] [--rounds 5] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AuditLog } from "../src/core/audit/audit-log.ts";
import { systemClock } from "../src/core/clock.ts";
import { EventBus } from "../src/core/events.ts";
import { echoRouter } from "./echo-router.ts";
import { openDb } from "../src/db/open.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { calls: { type: "string", default: "5000" }, rounds: { type: "string", default: "5" }, json: { type: "boolean" } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const AGENT = "com.bench.audit";
const dir = mkdtempSync(join(tmpdir(), "os-bench-auditbatch-"));
const store = openDb(join(dir, "catalog.db"));

function setup(mode: "turn" | "window") {
  const audit = new AuditLog(store.sqlite, store.db, systemClock);
  let commits = 0;
  let oldest: number | null = null; // when the oldest queued row was recorded
  let maxDelay = 0;
  const flush = audit.flush.bind(audit);
  audit.flush = () => {
    commits++;
    flush();
    if (oldest !== null) maxDelay = Math.max(maxDelay, performance.now() - oldest);
    oldest = null;
  };
  const queue = audit.recordSoon.bind(audit);
  audit.recordSoon = (input) => {
    oldest ??= performance.now();
    queue(input);
  };
  if (mode === "turn") {
    const recordSoon = audit.recordSoon.bind(audit);
    audit.recordSoon = (input) => {
      recordSoon(input);
      setImmediate(() => audit.flush());
    };
  }
  const { call } = echoRouter({ agentId: AGENT, audit, events: new EventBus(), answer: "now" });
  return { audit, commits: () => commits, maxDelayMs: () => maxDelay, call };
}

async function round(mode: "turn" | "window"): Promise<{ us: number; commitsPer1000: number; maxDelayMs: number }> {
  const s = setup(mode);
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) {
    await s.call();
    await new Promise((r) => setImmediate(r)); // the next request arrives as a new macrotask
  }
  const us = ((performance.now() - t) * 1000) / CALLS;
  const maxDelayMs = s.maxDelayMs(); // before the final flush, which is ours, not the window's
  s.audit.flush();
  return { us, commitsPer1000: Math.round((s.commits() / CALLS) * 1000), maxDelayMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Round = { us: number; commitsPer1000: number; maxDelayMs: number };
const perTurn: Round[] = [];
const windowed: Round[] = [];
try {
  await round("window"); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    perTurn.push(await round("turn"));
    windowed.push(await round("window"));
  }
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
const out = {
  calls: CALLS,
  rounds: ROUNDS,
  per_turn_us_per_call: Math.round(median(perTurn.map((r) => r.us)) * 10) / 10,
  per_turn_commits_per_1000: median(perTurn.map((r) => r.commitsPer1000)),
  window20_us_per_call: Math.round(median(windowed.map((r) => r.us)) * 10) / 10,
  window20_commits_per_1000: median(windowed.map((r) => r.commitsPer1000)),
  /** Longest a row waited for its commit, over all rounds (the promise is 50 ms). */
  window20_max_commit_delay_ms: Math.round(Math.max(...windowed.map((r) => r.maxDelayMs)) * 10) / 10,
};
if (values.json) console.log(JSON.stringify(out));
else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(28)} ${v}`);
