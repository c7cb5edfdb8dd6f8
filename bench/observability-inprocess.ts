#!/usr/bin/env bun
/**
 * What metrics and tracing cost the hot path (issue 15, goal < 5 %), measured
 * inside ONE daemon: the daemon (services, runtime, HTTP server — the code
 * `opensentience serve` runs) lives in this process, a client in a child
 * process makes sequential keep-alive `POST /api/v1/tools/call` requests to
 * the real Elixir echo agent, and between rounds metrics and tracing are
 * switched off and on again:
 *
 *   - on   the default: metrics counted (router, HTTP responses, audit listener, the per-second tick);
 *          spans recorded in memory (traces unsampled: nothing is exported, so no traceparent to the agent)
 *   - off  what config `metrics.enabled: false` + `tracing.enabled: false` leave: no tracer calls,
 *          no Metrics in the router, no tick, no audit listener, HTTP responses not counted
 *
 * Why in one process: two daemon processes differ by several % for their
 * whole life whatever their config (JIT tiering, heap layout, where their
 * agent landed — bench/observability-cost.ts shows 3–22 % between identical
 * daemons), which swamps a few-% effect. Here both variants share one JIT
 * and heap, rounds alternate (on, off, off, on, …), and each round's ratio
 * compares neighbours; "on ÷ on" (A/A: two "on" rounds in a row) is the noise.
 * The figure is this process's CPU time per call (all threads, getrusage),
 * median over rounds of the per-round ratio. One caveat, both
 * ways small: the JIT has seen both variants, so neither runs code compiled
 * for it alone.
 *
 * --off tracing (or metrics) switches only that one; the other stays on.
 *
 * --pin puts the daemon (this process, every thread) on CPU 0 and the client
 * and the agent on the others. On a 2-core machine the three otherwise share
 * both cores, and work the agent does (the SDK's side of tracing) lands on
 * the daemon's core and shows in its CPU time as preemptions and cold caches;
 * pinned, the figure is the daemon's own work.
 *
 *   bun bench/observability-inprocess.ts [--calls 3000] [--rounds 20] [--warmup 3000] [--off both|tracing|metrics] [--pin] [--json]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ALLOCATOR_ENV } from "../src/daemon/allocator-env.ts";
import { binaryPath, makeSandbox, runOk } from "../test/helpers/binary.ts";
import { publishExamples } from "../test/helpers/git-fixtures.ts";
import { cpuNs } from "./cpu.ts";
import { descendants } from "./tool-calls.ts";

const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "..");

// --------------------------------------------------------------- the client (child process)
if (Bun.argv[2] === "--client") {
  const url = Bun.argv[3]!;
  const headers = { authorization: `Bearer ${process.env.BENCH_TOKEN}`, "content-type": "application/json" };
  let i = 0;
  for await (const line of console) {
    const n = Number(line);
    for (let k = 0; k < n; k++) {
      const r = await fetch(url, { method: "POST", headers, body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: `hello ${i++}` } }) });
      if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    }
    console.log("done");
  }
  process.exit(0);
}

// As `serve` runs (src/daemon/allocator-env.ts): the allocator keeps freed pages. Set before anything allocates much.
if (process.env[ALLOCATOR_ENV] === undefined) {
  const child = Bun.spawnSync([process.execPath, ...Bun.argv.slice(1)], { env: { ...process.env, [ALLOCATOR_ENV]: "-1" }, stdio: ["inherit", "inherit", "inherit"] });
  process.exit(child.exitCode ?? 1);
}

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    calls: { type: "string", default: "3000" },
    rounds: { type: "string", default: "20" },
    warmup: { type: "string", default: "3000" },
    off: { type: "string", default: "both" },
    json: { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
  },
});
if (values.pin && navigator.hardwareConcurrency < 2) throw new Error("--pin needs at least 2 CPUs");
if (!["both", "tracing", "metrics"].includes(values.off!)) throw new Error("--off is both, tracing or metrics");
const SWITCH_TRACING = values.off !== "metrics";
const SWITCH_METRICS = values.off !== "tracing";
const N = Number(values.calls);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const log = (s: string) => console.error(s);
/** This process's CPU time (getrusage: every thread, also those that ended meanwhile, which /proc's per-thread sums lose). */
const processCpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

const { loadConfig } = await import("../src/core/config/load.ts");
const { startDaemon } = await import("../src/daemon/daemon.ts");
const { httpServer } = await import("../src/daemon/http-server.ts");
const { AdminToken } = await import("../src/api/auth/admin-token.ts");

// An installed, enabled echo agent, set up by the compiled CLI as a user would.
const box = makeSandbox({ prefix: "os-bench-obs-inproc-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
await binaryPath();
mkdirSync(box.home, { recursive: true, mode: 0o700 });
writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], limits: { calls_per_minute: 1_000_000, max_concurrency: 64, agent_cpu_percent: 100 * navigator.hardwareConcurrency } }));
const run = (args: string[]) => runOk(args, { sandbox: box, timeoutMs: 300_000 });
await run(["registry", "add", "local", publishExamples(box.dir, [ECHO]).url]);
await run(["registry", "sync"]);
await run(["agents", "install", ECHO, "--yes"]);
await run(["agents", "enable", ECHO, "--approve-all"]);

const config = loadConfig({ env: box.env });
config.port = 0;
if (!config.metrics.enabled || !config.tracing.enabled) throw new Error("metrics and tracing must be on by default");
const token = AdminToken.load(config.paths.adminToken, box.env);
const daemon = await startDaemon({ config, log: { info: () => {}, warn: (m) => log(`daemon: ${m}`) }, components: [httpServer({ token })] });
let client: ReturnType<typeof Bun.spawn> | undefined;
try {
  const { runtime, services } = daemon;
  await runtime.run(ECHO, "cli");
  const url = new URL("/api/v1/tools/call", daemon.url!).href;

  // ------------------------------------------------------------- the switch
  const metrics = services.metrics;
  const countHttp = metrics.httpResponse.bind(metrics);
  const routerDeps = (runtime.router as unknown as { deps: { metrics?: typeof metrics } }).deps;
  const tracer = runtime.tracer as { on: boolean };
  const setObservability = (on: boolean) => {
    if (SWITCH_TRACING) tracer.on = on;
    if (!SWITCH_METRICS) return;
    if (on) {
      routerDeps.metrics = metrics;
      metrics.httpResponse = countHttp;
      metrics.start();
    } else {
      delete routerDeps.metrics;
      // The HTTP handler's hook still calls this (one property call): everything it did is gone.
      metrics.httpResponse = () => {};
      metrics.stop();
    }
  };

  client = Bun.spawn([process.execPath, import.meta.path, "--client", url], { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: { ...process.env, BENCH_TOKEN: token.reveal() } });
  const replies = (client.stdout as ReadableStream<Uint8Array>).getReader();
  const utf8 = new TextDecoder();
  let buffered = "";
  const calls = async (n: number) => {
    (client!.stdin as import("bun").FileSink).write(`${n}\n`);
    (client!.stdin as import("bun").FileSink).flush();
    while (!buffered.includes("done\n")) {
      const { value, done } = await replies.read();
      if (done) throw new Error("the client ended");
      buffered += utf8.decode(value, { stream: true });
    }
    buffered = buffered.slice(buffered.indexOf("done\n") + 5);
  };
  const clientPid = client.pid;
  const agentPids = () => {
    const client = new Set([clientPid, ...descendants(clientPid)]);
    return descendants(process.pid).filter((p) => !client.has(p));
  };
  const agentNs = () => agentPids().reduce((s, p) => s + cpuNs(p), 0);
  if (values.pin) {
    const others = `1-${navigator.hardwareConcurrency - 1}`;
    const pin = (pid: number, cpus: string) => {
      const r = Bun.spawnSync(["taskset", "-a", "-p", "-c", cpus, String(pid)], { stdout: "ignore", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`taskset ${pid}: ${r.stderr.toString().trim()}`);
    };
    pin(process.pid, "0");
    for (const pid of [clientPid, ...descendants(clientPid), ...agentPids()]) pin(pid, others);
    log(`pinned: the daemon on CPU 0, the client and the agent on CPU ${others}`);
  }
  /** One measured batch: µs of this process's CPU (and the agent's) per call. */
  const batch = async (on: boolean) => {
    setObservability(on);
    await calls(200); // the switch's own first calls (deopts, the tick's first run) are not measured
    const c0 = processCpuNs();
    const a0 = agentNs();
    const t0 = performance.now();
    await calls(N);
    return { cpuUs: (processCpuNs() - c0) / 1000 / N, agentUs: (agentNs() - a0) / 1000 / N, perSec: N / ((performance.now() - t0) / 1000) };
  };

  log(`warming up (${WARMUP} calls each way)…`);
  for (const on of [true, false, true, false]) {
    setObservability(on);
    await calls(WARMUP / 2);
  }
  const onOff: number[] = [];
  const aa: number[] = [];
  const totals = { on: 0, off: 0, onAgent: 0, offAgent: 0, onRate: 0, offRate: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    // on, off, off, on … : each variant runs first and second equally often; A/A from the two "on" in a row across rounds.
    const order = r % 2 === 0 ? [true, false] : [false, true];
    const got = new Map<boolean, Awaited<ReturnType<typeof batch>>>();
    for (const on of order) got.set(on, await batch(on));
    const on = got.get(true)!;
    const off = got.get(false)!;
    onOff.push(on.cpuUs / off.cpuUs);
    if (r % 2 === 0) {
      const again = await batch(true);
      aa.push(again.cpuUs / on.cpuUs);
    }
    totals.on += on.cpuUs;
    totals.off += off.cpuUs;
    totals.onAgent += on.agentUs;
    totals.offAgent += off.agentUs;
    totals.onRate += on.perSec;
    totals.offRate += off.perSec;
    log(`round ${r + 1}/${ROUNDS}: on ${on.cpuUs.toFixed(1)} µs/call, off ${off.cpuUs.toFixed(1)} → ${on.cpuUs / off.cpuUs >= 1 ? "+" : ""}${((on.cpuUs / off.cpuUs - 1) * 100).toFixed(1)} %`);
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const out = {
    switched: values.off,
    pinned: values.pin,
    calls: N,
    rounds: ROUNDS,
    cpuRatio: median(onOff),
    aaRatio: median(aa),
    onCpuUs: totals.on / ROUNDS,
    offCpuUs: totals.off / ROUNDS,
    onAgentCpuUs: totals.onAgent / ROUNDS,
    offAgentCpuUs: totals.offAgent / ROUNDS,
    onPerSec: totals.onRate / ROUNDS,
    offPerSec: totals.offRate / ROUNDS,
    ratioSpread: [Math.min(...onOff), Math.max(...onOff)],
  };
  log("");
  log(`${values.off === "both" ? "metrics and tracing" : values.off} on ÷ off, daemon CPU per call (median of ${ROUNDS} rounds of ${N} sequential calls): ${out.cpuRatio.toFixed(3)}×  (${out.onCpuUs.toFixed(1)} vs ${out.offCpuUs.toFixed(1)} µs; goal < 1.05)`);
  log(`A/A (on ÷ on, same process): ${out.aaRatio.toFixed(3)}×; per-round on ÷ off between ${out.ratioSpread[0]!.toFixed(3)} and ${out.ratioSpread[1]!.toFixed(3)}`);
  log(`the agent's CPU per call: on ${out.onAgentCpuUs.toFixed(1)} µs, off ${out.offAgentCpuUs.toFixed(1)} µs (the SDK reports its span only for sampled traces: none here, nothing is exported); calls/s on ${out.onPerSec.toFixed(0)}, off ${out.offPerSec.toFixed(0)}`);
  if (values.json) console.log(JSON.stringify(out));
} finally {
  client?.kill();
  await daemon.stop("bench");
  box.cleanup();
}
