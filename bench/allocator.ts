#!/usr/bin/env bun
/**
 * The daemon's allocator setting (src/daemon/allocator-env.ts), measured: two
 * compiled daemons side by side — `serve` as shipped (MIMALLOC_PURGE_DELAY=-1:
 * freed pages kept for reuse) and one with mimalloc's default (`10`: freed
 * pages handed back to the kernel after 10 ms) — `POST /api/v1/tools/call` →
 * the real Elixir echo agent, sequential on one keep-alive connection, in
 * rotating interleaved rounds (bench/tool-calls.ts). Reports daemon CPU per
 * call (/proc, all threads), calls/s, the share of calls slower than 3× the
 * median, and each daemon's resident memory at the end; ratios are medians of
 * per-round ratios.
 *
 *   bun bench/allocator.ts [--calls 60000] [--rounds 6] [--json]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { stopAllDaemons } from "../test/helpers/binary.ts";
import { echoDaemon, interleaved, type Path, path, pct } from "./tool-calls.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { calls: { type: "string", default: "60000" }, rounds: { type: "string", default: "6" }, json: { type: "boolean", default: false } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const kept = await echoDaemon("os-bench-alloc-");
const purged = await echoDaemon("os-bench-alloc-", {}, { env: { MIMALLOC_PURGE_DELAY: "10" } });
let out: { rows: Array<{ name: string; perSec: number; cpuUs: number; slowPct: number; rssMb: number }>; cpuRatio: number; perSecRatio: number };
try {
  const paths: Array<[Path, number]> = [
    [path("pages kept (as shipped: MIMALLOC_PURGE_DELAY=-1)", 1, kept.call, () => [kept.pid]), kept.pid],
    [path("pages returned (mimalloc default: MIMALLOC_PURGE_DELAY=10)", 1, purged.call, () => [purged.pid]), purged.pid],
  ];
  const measured = await interleaved(
    paths.map(([p]) => p),
    { calls: CALLS, rounds: ROUNDS, rotate: true },
  );
  const rows = paths.map(([p, pid], i) => {
    const p50 = pct(p.lat, 50);
    return { name: p.name, perSec: measured[i]!.perSec, cpuUs: measured[i]!.serverCpuUs!, slowPct: (p.lat.filter((l) => l > 3 * p50).length / p.lat.length) * 100, rssMb: rssMb(pid) };
  });
  const [a, b] = [paths[0]![0], paths[1]![0]];
  out = { rows, cpuRatio: median(a.rounds.map((r, i) => r.cpuUs / b.rounds[i]!.cpuUs)), perSecRatio: median(a.rounds.map((r, i) => r.perSec / b.rounds[i]!.perSec)) };
} finally {
  await kept.stop();
  await purged.stop();
  await stopAllDaemons();
}
for (const r of out.rows) console.log(`${r.name}: ${Math.round(r.perSec)} calls/s, daemon CPU ${r.cpuUs.toFixed(0)} µs/call, ${r.slowPct.toFixed(1)} % of calls > 3× p50, RSS ${r.rssMb.toFixed(0)} MB`);
console.log(`kept ÷ returned: daemon CPU/call ${out.cpuRatio.toFixed(2)}×, calls/s ${out.perSecRatio.toFixed(2)}× (median of ${ROUNDS} per-round ratios)`);
console.log(`reproduce: bun bench/allocator.ts --calls ${CALLS} --rounds ${ROUNDS}`);
if (values.json) console.log(JSON.stringify(out));
