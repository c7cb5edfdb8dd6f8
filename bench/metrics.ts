/**
 * The hot-path cost of metrics (issue 15 goal: < 5%): the real Router routing
 * tool calls to an in-process agent double that answers at once (so the
 * router itself is all that is measured), with metrics off (no `metrics` dep)
 * and on, interleaved rounds, median of each; plus the metrics calls alone
 * (admitted + left + callDone) in ns and the heap growth of a million calls.
 *
 *   bun bench/metrics.ts [--calls 20000] [--rounds 7] [--json]
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
import { Router } from "../src/core/runtime/router.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { calls: { type: "string", default: "20000" }, rounds: { type: "string", default: "7" }, json: { type: "boolean" } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const AGENT = "com.bench.metrics";

const dir = mkdtempSync(join(tmpdir(), "os-bench-metrics-"));
const store = openDb(join(dir, "catalog.db"));

function router(withMetrics: boolean): { call: () => Promise<unknown>; metrics: Metrics } {
  const events = new EventBus();
  const audit = new AuditLog(store.sqlite, store.db, systemClock);
  const metrics = new Metrics({ sqlite: store.sqlite, clock: systemClock, events });
  let r!: Router;
  // The agent double: answers every tool.call synchronously with a result frame.
  const conn = {
    agentId: AGENT,
    isClosed: () => false,
    send: (frame: { type: string; request_id?: string }) => {
      if (frame.type === "tool.call") r.handleAgentFrame(conn as never, { type: "tool.result", request_id: frame.request_id!, payload: { output: { ok: true } } } as never);
      return true;
    },
  };
  r = new Router({
    audit,
    events,
    link: () => ({ conn: conn as never, healthy: true, limiter: { admit: async () => ({ ok: true, release: () => {} }) } as never, defaultTimeoutMs: 10_000, capabilities: [] }),
    policy: () => ({ enabled: true, approved: new Set<string>() }),
    requestedPermissions: () => new Set(),
    maxTimeoutMs: 10_000,
    ...(withMetrics ? { metrics } : {}),
  });
  metrics.bindRuntime({ isTool: (id) => !!r.tools.get(id), knowsAgent: () => true, statuses: () => [], connection: () => null, announce: () => {} });
  r.register(AGENT, { payload: { tools: [{ name: "echo", description: "", input_schema: { type: "object" }, permissions: [], streaming: false, cancellable: true }] } } as never);
  return { call: () => r.call({ tool: `${AGENT}/echo`, arguments: { text: "x" }, caller: { kind: "api", id: "bench" } }), metrics };
}

async function perCallUs(call: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  return ((performance.now() - t) * 1000) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const off = router(false);
const on = router(true);
await perCallUs(off.call);
await perCallUs(on.call); // warm-up
const offUs: number[] = [];
const onUs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  offUs.push(await perCallUs(off.call));
  onUs.push(await perCallUs(on.call));
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
  overheadPct: Math.round(((median(onUs) - median(offUs)) / median(offUs)) * 1000) / 10,
  metricsNsPerCall: Math.round(nsPerCall),
  heapGrowthBytesPerMillionCalls: heapGrowthBytes,
};
store.close();
rmSync(dir, { recursive: true, force: true });
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`router call, metrics off: ${result.routerUsPerCallOff} µs (median of ${ROUNDS} rounds × ${CALLS} calls)`);
  console.log(`router call, metrics on:  ${result.routerUsPerCallOn} µs  → overhead ${result.overheadPct}% (goal < 5%)`);
  console.log(`metrics calls alone (admitted + left + callDone): ${result.metricsNsPerCall} ns per call; heap growth over 1M calls: ${heapGrowthBytes} bytes`);
}
