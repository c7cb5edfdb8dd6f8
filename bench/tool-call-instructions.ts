#!/usr/bin/env bun
/**
 * Instructions the daemon executes per tool call, counted by callgrind: the
 * figure to compare two builds by on a busy machine, where calls/s and even
 * CPU time per call move by tens of percent with the load of other processes.
 *
 *   bun bench/tool-call-instructions.ts [--calls 1000] [--warmup 300] [--binary PATH] [--keep] [--observability-off]
 *
 * --observability-off also counts a second daemon with `tracing.enabled: false`
 * and `metrics.enabled: false` (issue 15: what metrics and tracing cost the hot
 * path) and prints the ratio; --each-off also one daemon with each of them off alone.
 *
 * Starts the daemon (the compiled binary, or --binary) under
 * `valgrind --tool=callgrind`, installs and runs the real Elixir echo agent
 * (not traced: its own cost is not the daemon's), warms up, zeroes the
 * counters (`callgrind_control -z`), makes --calls sequential
 * `POST /api/v1/tools/call` on one keep-alive connection, dumps
 * (`callgrind_control -d`) and prints instructions per call — every thread of
 * the daemon, JIT-compiled code included. Peer in the same run: the same
 * count for a bare `Bun.serve` answering JSON (the ceiling an HTTP path on Bun
 * can reach). Needs valgrind (apt-get install -y valgrind).
 *
 * Background work: under callgrind a daemon serves ~50× fewer calls a second,
 * so its once-a-second work (the metrics tick, heartbeat checks) is spread over
 * 50× fewer calls and would be billed to each call 50× over. So each daemon is
 * also counted idle for --idle seconds; the call count minus that rate over the
 * calls' duration is the per-call (foreground) cost, and the comparison adds the
 * background back at --rate calls/s (what the daemon serves outside callgrind).
 * Calls and idle time are counted in --chunks alternating pieces and each rate
 * is the median over its pieces, so a rare heavy second (the minute's metrics
 * rollup) moves neither.
 * --repeat K starts K daemons per variant, alternating variants, and reports
 * each daemon's count: one daemon's JIT tiering moves its count by a few %.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryPath, stopAllDaemons } from "../test/helpers/binary.ts";
import { echoDaemon, poster } from "./tool-calls.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    calls: { type: "string", default: "1000" },
    warmup: { type: "string", default: "300" },
    binary: { type: "string" },
    keep: { type: "boolean", default: false },
    "observability-off": { type: "boolean", default: false },
    "each-off": { type: "boolean", default: false },
    idle: { type: "string", default: "5" },
    rate: { type: "string", default: "3000" },
    repeat: { type: "string", default: "1" },
    chunks: { type: "string", default: "10" },
  },
});
const IDLE_S = Number(values.idle);
const RATE = Number(values.rate);
const REPEAT = Number(values.repeat);
const CHUNKS = Number(values.chunks);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);
const out = mkdtempSync(join(tmpdir(), "os-bench-cg-"));
let lastMainThread = 0;

/** Zeroes the counters of callgrind in `pid`, runs `work`, dumps, and returns the instructions counted. */
async function count(pid: number, work: () => Promise<void>): Promise<number> {
  const ctl = (arg: string) => {
    const r = Bun.spawnSync(["callgrind_control", arg, String(pid)], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`callgrind_control ${arg}: ${r.stderr.toString()}`);
  };
  ctl("-z");
  await work();
  const before = new Set(readdirSync(out));
  ctl("-d");
  const dumps = readdirSync(out).filter((f) => !before.has(f) && f.startsWith(`cg.${pid}`));
  let total = 0;
  const perThread: number[] = [];
  // One dump file per thread (--separate-threads=yes): each has its own totals line.
  for (const f of dumps.sort()) {
    const n = Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(join(out, f), "utf8"))?.[1] ?? 0);
    perThread.push(n);
    total += n;
  }
  if (!total) throw new Error(`no callgrind dump for ${pid} in ${out}`);
  // Thread 1 runs the JavaScript (and most of the GC); the others are Bun's and JSC's helpers, the JIT compilers among them.
  lastMainThread = perThread[0] ?? 0;
  return total;
}

const wrapper = (target: string, name: string) => {
  const path = join(out, name);
  writeFileSync(
    path,
    // The daemon's allocator setting set here, as `serve` would set it by re-executing itself (which would leave valgrind behind).
    `#!/bin/sh\nif [ "$1" = serve ]; then export MIMALLOC_PURGE_DELAY="\${MIMALLOC_PURGE_DELAY:--1}"; exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=${out}/cg.%p "${target}" "$@" 2>>${out}/valgrind.log; fi\nexec "${target}" "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
};

async function main(): Promise<void> {
  const target = values.binary ?? (await binaryPath());
  process.env.OPENSENTIENCE_BIN = wrapper(target, "opensentience-under-callgrind");
  const rows: Array<{ name: string; perCall: number; mainPerCall: number; fgPerCall?: number; fgMainPerCall?: number; bgPerSec?: number; bgMainPerSec?: number }> = [];
  try {
    const variants: Array<[string, Record<string, unknown>]> = [["daemon: POST /api/v1/tools/call → Elixir echo", {}]];
    if (values["observability-off"]) variants.push(["daemon, metrics and tracing off", { tracing: { enabled: false }, metrics: { enabled: false } }]);
    if (values["each-off"]) variants.push(["daemon, tracing off (metrics on)", { tracing: { enabled: false } }], ["daemon, metrics off (tracing on)", { metrics: { enabled: false } }]);
    for (const [name, config] of Array.from({ length: REPEAT }, () => variants).flat()) {
      // Under callgrind the daemon runs ~50× slower: relaxed handshake and heartbeat limits keep the agent from being
      // declared dead meanwhile (the limits are the same for every variant).
      const slow = { handshake_timeout_ms: 120_000, heartbeat_interval_ms: 60_000 };
      const daemon = await echoDaemon("os-bench-cg-", { ...config, limits: slow }, { readyTimeoutMs: 180_000 });
      for (let i = 0; i < WARMUP; i++) await daemon.call(i);
      // Calls and idle seconds in chunks, each counted on its own: a rare heavy moment (the minute's metrics
      // rollup, a JIT compile) lands in one chunk, and the medians below leave it out.
      const chunks = Math.max(1, CHUNKS);
      const per = Math.ceil(CALLS / chunks);
      const callChunks: Array<{ all: number; main: number; s: number }> = [];
      const idleChunks: Array<{ all: number; main: number }> = [];
      for (let c = 0; c < chunks; c++) {
        let s = 0;
        const all = await count(daemon.pid, async () => {
          const t0 = performance.now();
          for (let i = 0; i < per; i++) await daemon.call(i);
          s = (performance.now() - t0) / 1000;
        });
        callChunks.push({ all, main: lastMainThread, s });
        // A measuring window with no calls (the daemon's timers only), not a wait for an event.
        const idle = await count(daemon.pid, () => Bun.sleep((IDLE_S * 1000) / chunks));
        idleChunks.push({ all: idle / (IDLE_S / chunks), main: lastMainThread / (IDLE_S / chunks) });
      }
      const bgPerSec = median(idleChunks.map((c) => c.all));
      const bgMainPerSec = median(idleChunks.map((c) => c.main));
      rows.push({
        name,
        perCall: sum(callChunks.map((c) => c.all)) / (per * chunks),
        mainPerCall: sum(callChunks.map((c) => c.main)) / (per * chunks),
        fgPerCall: median(callChunks.map((c) => (c.all - bgPerSec * c.s) / per)),
        fgMainPerCall: median(callChunks.map((c) => (c.main - bgMainPerSec * c.s) / per)),
        bgPerSec,
        bgMainPerSec,
      });
      await daemon.stop();
    }

    // The ceiling: a bare Bun.serve answering the same JSON, under callgrind too.
    const script = join(out, "bare.ts");
    writeFileSync(script, `const s = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(req) { const b = await req.json(); return Response.json({ ok: true, output: b }); } }); console.log(s.port);`);
    const bare = Bun.spawn(["valgrind", "--tool=callgrind", "--separate-threads=yes", `--callgrind-out-file=${out}/cg.%p`, process.execPath, script], { stdout: "pipe", stderr: "ignore" });
    const port = await firstLine(bare);
    const call = poster(`http://127.0.0.1:${port}/`, { "content-type": "application/json" });
    for (let i = 0; i < WARMUP; i++) await call(i);
    const bareIr = await count(bare.pid, async () => {
      for (let i = 0; i < CALLS; i++) await call(i);
    });
    rows.push({ name: "bare Bun.serve JSON (ceiling)", perCall: bareIr / CALLS, mainPerCall: lastMainThread / CALLS });
    bare.kill();
  } finally {
    await stopAllDaemons();
  }
  const fmt = (n: number | undefined) => (n === undefined ? "-" : Math.round(n).toLocaleString("en-US"));
  console.log(`${"path".padEnd(50)} ${"instructions/call".padEnd(18)} ${"main thread".padEnd(12)} ${"foreground/call".padEnd(16)} ${"main fg/call".padEnd(13)} background/s (main)`);
  for (const r of rows) console.log(`${r.name.padEnd(50)} ${fmt(r.perCall).padEnd(18)} ${fmt(r.mainPerCall).padEnd(12)} ${fmt(r.fgPerCall).padEnd(16)} ${fmt(r.fgMainPerCall).padEnd(13)} ${r.bgPerSec === undefined ? "-" : `${fmt(r.bgPerSec)} (${fmt(r.bgMainPerSec)})`}`);
  /** A variant's cost per call at --rate calls/s: its foreground plus its background spread over that many calls (median over its daemons). */
  const atRate = (name: string, main: boolean) => {
    const rs = rows.filter((r) => r.name === name && r.fgPerCall !== undefined);
    return rs.length ? median(rs.map((r) => (main ? r.fgMainPerCall! + r.bgMainPerSec! / RATE : r.fgPerCall! + r.bgPerSec! / RATE))) : undefined;
  };
  const dName = rows[0]?.name;
  const d = rows[0];
  const b = rows.find((r) => r.name.startsWith("bare"));
  if (d && b) console.log(`daemon ÷ bare Bun.serve: ${(d.perCall / b.perCall).toFixed(2)}×`);
  const offName = rows.find((r) => r.name.includes("metrics and tracing off"))?.name;
  if (dName && offName) {
    const [on, off, onMain, offMain] = [atRate(dName, false)!, atRate(offName, false)!, atRate(dName, true)!, atRate(offName, true)!];
    console.log(
      `metrics and tracing on ÷ off at ${RATE.toLocaleString("en-US")} calls/s: ${(on / off).toFixed(3)}× all threads (${fmt(on)} vs ${fmt(off)}), ${(onMain / offMain).toFixed(3)}× main thread (${fmt(onMain)} vs ${fmt(offMain)}) (goal < 1.05)`,
    );
  }
  for (const name of new Set(rows.filter((x) => x.name.includes("(metrics on)") || x.name.includes("(tracing on)")).map((x) => x.name))) {
    if (dName) console.log(`default ÷ ${name.slice(8)} at ${RATE} calls/s: ${(atRate(dName, false)! / atRate(name, false)!).toFixed(3)}×`);
  }
  console.log(
    `reproduce: bun bench/tool-call-instructions.ts --calls ${CALLS} --warmup ${WARMUP} --idle ${IDLE_S} --rate ${RATE} --repeat ${REPEAT} --chunks ${CHUNKS}${values.binary ? ` --binary ${values.binary}` : ""}${values["observability-off"] ? " --observability-off" : ""}${values["each-off"] ? " --each-off" : ""}`,
  );
  if (values.keep) console.log(`callgrind dumps kept in ${out} (callgrind_annotate FILE)`);
  else rmSync(out, { recursive: true, force: true });
}

/** The port the bare server prints on its first line. */
async function firstLine(p: Bun.Subprocess<"ignore", "pipe", "ignore">): Promise<number> {
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return Number(text.trim());
}

await main();
