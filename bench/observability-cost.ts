#!/usr/bin/env bun
/**
 * What metrics and tracing cost the real hot path (issue 15: "the hot path's
 * cost with metrics and tracing disabled vs enabled, goal < 5 %"): `POST
 * /api/v1/tools/call` on the compiled daemon → router → the real Elixir echo
 * agent, sequential on one keep-alive connection and N in flight, on daemons
 * side by side, in rotating interleaved rounds (bench/tool-calls.ts):
 *
 *   - on   the default config (metrics; spans recorded in memory, traceparent sent to the agent; no OTLP export)
 *   - off  config `metrics.enabled: false` and `tracing.enabled: false` (`--off tracing`: tracing only)
 *
 * --daemons K (default 2) of each, because one daemon differs from an identical
 * one by several % for its whole life (JIT tiering, heap layout, where its agent
 * landed): a round's ratio is the mean of the "on" daemons over the mean of the
 * "off" ones, and "on #1 ÷ on #2" (A/A) shows how far identical daemons drift.
 *
 * The figure that matters is the daemon's CPU per call (all its threads, from
 * /proc schedstat), which a loaded machine distorts far less than calls/s;
 * each ratio is the median over rounds of the per-round ratio. The agent's CPU
 * (every process below the daemon) is reported beside it: with tracing on the
 * Elixir SDK also reports its own span. bench/tool-call-instructions.ts
 * --observability-off counts instructions instead (both off vs both on).
 *
 *   bun bench/observability-cost.ts [--calls 6000] [--inflight 16] [--rounds 10] [--warmup 2000] [--daemons 2] [--off both|tracing] [--json]
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
    daemons: { type: "string", default: "2" },
    off: { type: "string", default: "both" },
    json: { type: "boolean", default: false },
  },
});
const N = Number(values.calls);
const INFLIGHT = Number(values.inflight);
const ROUNDS = Number(values.rounds);
const K = Math.max(1, Number(values.daemons));
if (values.off !== "both" && values.off !== "tracing") throw new Error("--off is both or tracing");
const OFF = values.off === "both" ? { tracing: { enabled: false }, metrics: { enabled: false } } : { tracing: { enabled: false } };
const WHAT = values.off === "both" ? "metrics and tracing" : "tracing";

export interface CostRatio {
  /** e.g. "metrics and tracing on ÷ off, sequential". */
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
  for (const [label, config] of Array.from({ length: K }, (_, k) => [
    [`on #${k + 1}`, {}],
    [`off #${k + 1}`, OFF],
  ]).flat() as Array<[string, Record<string, unknown>]>) {
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
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  /** Per round: the mean over a group's daemons of CPU µs/call (daemon, daemon + agent) and calls/s. */
  const group = (ps: Path[]) =>
    ps[0]!.rounds.map((_, i) => ({
      cpu: sum(ps.map((p) => p.rounds[i]!.cpuUs)) / ps.length,
      total: sum(ps.map((p) => p.rounds[i]!.cpuUs + p.rounds[i]!.backendCpuUs)) / ps.length,
      perSec: sum(ps.map((p) => p.rounds[i]!.perSec)) / ps.length,
    }));
  const overall = (ps: Path[], agent: boolean) => sum(ps.map((p) => p.cpuNs + (agent ? p.backendCpuNs : 0))) / 1000 / sum(ps.map((p) => p.lat.length));
  const ratio = (what: string, a: Path[], b: Path[]): CostRatio => {
    const [ga, gb] = [group(a), group(b)];
    return {
      what,
      cpuRatio: median(ga.map((r, i) => r.cpu / gb[i]!.cpu)),
      perSecRatio: median(ga.map((r, i) => r.perSec / gb[i]!.perSec)),
      cpuUs: overall(a, false),
      refCpuUs: overall(b, false),
      totalCpuRatio: median(ga.map((r, i) => r.total / gb[i]!.total)),
      totalCpuUs: overall(a, true),
      refTotalCpuUs: overall(b, true),
    };
  };
  for (const mode of ["sequential", `${INFLIGHT} in flight`]) {
    const p = (label: string) => paths.get(`${label}|${mode}`)!;
    const all = (side: string) => Array.from({ length: K }, (_, k) => p(`${side} #${k + 1}`));
    ratios.push(ratio(`${WHAT} on ÷ off, ${mode}`, all("on"), all("off")));
    if (K >= 2) {
      ratios.push(ratio(`A/A: on #1 ÷ on #2, ${mode} (noise)`, [p("on #1")], [p("on #2")]));
      ratios.push(ratio(`A/A: off #1 ÷ off #2, ${mode} (noise)`, [p("off #1")], [p("off #2")]));
    }
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
console.log(`\n(median of ${ROUNDS} per-round ratios, ${K} daemon(s) per side; goal: ${WHAT} on cost < 5 % more CPU per call)`);
console.log(`reproduce: bun bench/observability-cost.ts --calls ${N} --inflight ${INFLIGHT} --rounds ${ROUNDS} --warmup ${values.warmup} --daemons ${K} --off ${values.off}`);
if (values.json) console.log(JSON.stringify({ calls: N, inflight: INFLIGHT, rounds: ROUNDS, rows, ratios }));
