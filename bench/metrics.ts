/**
 * The hot-path cost of metrics (issue 15 goal: < 5%): the real Router routing
 * tool calls to an in-process agent double that answers at once (so the
 * router itself is all that is measured), with metrics off (no `metrics` dep)
 * and on, interleaved rounds, median of each; plus the metrics calls alone
 * (admitted + left + callDone) in ns and the heap growth of a million calls.
 *
 *   bun bench/metrics.ts [--calls 20000] [--rounds 7] [--json] [--aa: both routers without metrics, to see the noise]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDb } from "../src/db/open.ts";
import { AuditLog } from "../src/core/audit/audit-log.ts";
import { systemClock } from "../src/core/clock.ts";
import { EventBus } from "../src/core/events.ts";
import { Metrics } from "../src/core/metrics/metrics.ts";
import { echoRouter } from "./echo-router.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { calls: { type: "string", default: "20000" }, rounds: { type: "string", default: "7" }, json: { type: "boolean" }, aa: { type: "boolean" } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const AGENT = "com.bench.metrics";

const dir = mkdtempSync(join(tmpdir(), "os-bench-metrics-"));
const store = openDb(join(dir, "catalog.db"));

function router(withMetrics: boolean): { call: () => Promise<unknown>; metrics: Metrics; audit: AuditLog } {
  const events = new EventBus();
  const audit = new AuditLog(store.sqlite, store.db, systemClock);
  const metrics = new Metrics({ sqlite: store.sqlite, clock: systemClock, events });
  const { router: r, call } = echoRouter({ agentId: AGENT, audit, events, answer: "now", ...(withMetrics ? { metrics } : {}) });
  metrics.bindRuntime({ isTool: (id) => !!r.tools.get(id), knowsAgent: () => true, statuses: () => [], connection: () => null, announce: () => {} });
  return { call, metrics, audit };
}

async function perCallUs(call: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  return ((performance.now() - t) * 1000) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const off = router(false);
// --aa: both without metrics (how far apart two identical routers measure on this machine).
const on = router(!values.aa);
await perCallUs(off.call);
await perCallUs(on.call); // warm-up
const offUs: number[] = [];
const onUs: number[] = [];
// Paired rounds, alternating which goes first, so load changes on a shared machine hit both alike.
const ratios: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const first = i % 2 === 0 ? off : on;
  const a = await perCallUs(first.call);
  const b = await perCallUs((first === off ? on : off).call);
  const [o, n] = first === off ? [a, b] : [b, a];
  offUs.push(o);
  onUs.push(n);
  ratios.push(n / o);
}

// The metrics calls alone, and what a million of them allocate.
const m = on.metrics;
const id = `${AGENT}/echo`;
const N = 1_000_000;
for (let i = 0; i < 10_000; i++) m.left(m.admitted(id));
Bun.gc(true);
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const s = m.admitted(id);
  m.left(s);
  m.callDone(id, null, (i % 500) / 7);
}
const nsPerCall = ((performance.now() - t0) * 1e6) / N;
const heapGrowthBytes = process.memoryUsage().heapUsed - heap0;

const result = {
  calls: CALLS,
  rounds: ROUNDS,
  routerUsPerCallOff: Math.round(median(offUs) * 100) / 100,
  routerUsPerCallOn: Math.round(median(onUs) * 100) / 100,
  overheadPct: Math.round((median(ratios) - 1) * 1000) / 10,
  metricsShareOfCallPct: Math.round((nsPerCall / 1000 / median(offUs)) * 10000) / 100,
  metricsNsPerCall: Math.round(nsPerCall),
  heapGrowthBytesPerMillionCalls: heapGrowthBytes,
};
off.audit.flush();
on.audit.flush();
store.close();
rmSync(dir, { recursive: true, force: true });
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`router call, metrics off: ${result.routerUsPerCallOff} µs (median of ${ROUNDS} rounds × ${CALLS} calls)`);
  console.log(`router call, metrics on:  ${result.routerUsPerCallOn} µs  → overhead ${result.overheadPct}% (median of paired rounds; goal < 5%)`);
  console.log(`metrics calls alone (admitted + left + callDone): ${result.metricsNsPerCall} ns per call; heap growth over 1M calls: ${heapGrowthBytes} bytes (${result.metricsShareOfCallPct}% of a router call)`);
}
