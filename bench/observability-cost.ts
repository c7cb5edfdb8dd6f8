#!/usr/bin/env bun
/**
 * What tracing costs the real hot path (issue 15: "the hot path's cost with
 * metrics and tracing disabled vs enabled, goal < 5 %"): `POST
 * /api/v1/tools/call` on the compiled daemon → router → the real Elixir echo
 * agent, sequential on one keep-alive connection and N in flight, on three
 * daemons side by side, in rotating interleaved rounds (bench/tool-calls.ts):
 *
 *   - tracing on   the default config (spans recorded in memory, traceparent sent to the agent; no OTLP export)
 *   - tracing off  config `tracing.enabled: false`
 *   - tracing on (A/A)  a second daemon identical to the first: the spread between the two is the noise floor
 *
 * The figure that matters is the daemon's CPU per call (all its threads, from
 * /proc schedstat), which a loaded machine distorts far less than calls/s;
 * each ratio is the median over rounds of the per-round ratio. The agent's CPU
 * (every process below the daemon) is reported beside it: with tracing on the
 * Elixir SDK also reports its own span. Metrics stay on in every daemon here
 * (their in-process cost: bench/metrics.ts). On a shared machine the A/A pair
 * is often further apart than 5 %: bench/tool-call-instructions.ts
 * --observability-off counts instructions instead (both off vs both on).
 *
 *   bun bench/observability-cost.ts [--calls 6000] [--inflight 16] [--rounds 10] [--warmup 2000] [--json]
 */
import { parseArgs } from "node:util";
import { stopAllDaemons } from "../test/helpers/binary.ts";
import { descendants, type EchoDaemon, echoDaemon, interleaved, type Measured, type Path, path } from "./tool-calls.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    calls: { type: "string", default: "6000" },
    inflight: { type: "string", default: "16" },
    rounds: { type: "string", default: "10" },
    // Per path, before the rounds: the JIT of each daemon must be warm, or the first daemons measured look cheaper or dearer than the rest.
    warmup: { type: "string", default: "2000" },
    json: { type: "boolean", default: false },
  },
});
const N = Number(values.calls);
const INFLIGHT = Number(values.inflight);
const ROUNDS = Number(values.rounds);

export interface CostRatio {
  /** e.g. "tracing on ÷ off, sequential". */
  what: string;
  /** Median over rounds of (numerator ÷ denominator) for the daemon's CPU per call; 1.05 = 5 % more CPU. */
  cpuRatio: number;
  /** The same for calls/s (below 1 = slower). */
  perSecRatio: number;
  /** Daemon CPU µs per call of each side, over all rounds. */
  cpuUs: number;
  refCpuUs: number;
  /** The same three for the daemon and its agent together (the agent's SDK also does tracing work: it reports its own span). */
  totalCpuRatio: number;
  totalCpuUs: number;
  refTotalCpuUs: number;
}

const daemons: Array<{ label: string; d: EchoDaemon }> = [];
const rows: Measured[] = [];
const ratios: CostRatio[] = [];
try {
  for (const [label, config] of [
    ["tracing on", {}],
    ["tracing off", { tracing: { enabled: false } }],
    ["tracing on (A/A)", {}],
  ] as const) {
    console.error(`starting the daemon with ${label}…`);
    daemons.push({ label, d: await echoDaemon("os-bench-obs-", config) });
  }
  const paths = new Map<string, Path>();
  for (const [mode, inflight] of [
    ["sequential", 1],
    [`${INFLIGHT} in flight`, INFLIGHT],
  ] as const) {
    for (const { label, d } of daemons)
      paths.set(
        `${label}|${mode}`,
        path(
          `HTTP API tool call, ${label}, ${mode}`,
          inflight,
          d.call,
          () => [d.pid],
          () => descendants(d.pid),
        ),
      );
  }
  rows.push(...(await interleaved([...paths.values()], { calls: N, rounds: ROUNDS, warmup: Number(values.warmup), rotate: true })));

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const ratio = (what: string, a: Path, b: Path): CostRatio => ({
    what,
    cpuRatio: median(a.rounds.map((r, i) => r.cpuUs / b.rounds[i]!.cpuUs)),
    perSecRatio: median(a.rounds.map((r, i) => r.perSec / b.rounds[i]!.perSec)),
    cpuUs: a.cpuNs / 1000 / a.lat.length,
    refCpuUs: b.cpuNs / 1000 / b.lat.length,
    totalCpuRatio: median(a.rounds.map((r, i) => (r.cpuUs + r.backendCpuUs) / (b.rounds[i]!.cpuUs + b.rounds[i]!.backendCpuUs))),
    totalCpuUs: (a.cpuNs + a.backendCpuNs) / 1000 / a.lat.length,
    refTotalCpuUs: (b.cpuNs + b.backendCpuNs) / 1000 / b.lat.length,
  });
  for (const mode of ["sequential", `${INFLIGHT} in flight`]) {
    const p = (label: string) => paths.get(`${label}|${mode}`)!;
    ratios.push(ratio(`tracing on ÷ off, ${mode}`, p("tracing on"), p("tracing off")));
    ratios.push(ratio(`A/A: tracing on ÷ tracing on, ${mode} (noise)`, p("tracing on (A/A)"), p("tracing on")));
  }
} finally {
  for (const { d } of daemons) await d.stop();
  await stopAllDaemons();
}

const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
const table = [
  ["path", "calls/s", "p50", "p99", "daemon CPU/call", "agent CPU/call"],
  ...rows.map((m) => [
    m.name,
    Math.round(m.perSec).toLocaleString("en-US"),
    fmtUs(m.p50Us),
    fmtUs(m.p99Us),
    m.serverCpuUs === undefined ? "-" : fmtUs(m.serverCpuUs),
    m.backendCpuUs === undefined ? "-" : fmtUs(m.backendCpuUs),
  ]),
];
const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
console.log(table.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
console.log("");
const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)} %`;
for (const r of ratios) console.log(`${r.what}: daemon CPU/call ${pct(r.cpuRatio)}, daemon + agent CPU/call ${pct(r.totalCpuRatio)}, calls/s ${pct(r.perSecRatio)}`);
console.log(`\n(median of ${ROUNDS} per-round ratios; goal: tracing on costs < 5 % more CPU per call; metrics on in every daemon)`);
console.log(`reproduce: bun bench/observability-cost.ts --calls ${N} --inflight ${INFLIGHT} --rounds ${ROUNDS} --warmup ${values.warmup}`);
if (values.json) console.log(JSON.stringify({ calls: N, inflight: INFLIGHT, rounds: ROUNDS, rows, ratios }));
