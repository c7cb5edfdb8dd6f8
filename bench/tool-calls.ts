#!/usr/bin/env bun
/**
 * Tool calls, every path side by side in ONE run (issue 13, goal 1):
 *
 *   - `POST /api/v1/tools/call` on a real daemon (the compiled binary, `serve`)
 *     → router → the real Elixir echo agent (examples/echo): sequential on one
 *     keep-alive connection, and 16 calls in flight;
 *   - the peer: the official MCP TypeScript SDK over stdio, server
 *     (bench/mcp-echo-peer.ts, echo in-process) and client both on Bun;
 *   - the ceiling: a bare `Bun.serve` in its own process answering the same
 *     JSON body with JSON (what an empty HTTP server costs here);
 *   - bench/runtime-calls.ts (child process): raw Bun↔Elixir ping-pong, raw
 *     tool.call → SDK echo without a router, the in-process router.
 *
 *   bun bench/tool-calls.ts [--calls 3000] [--inflight 16] [--warmup 3000] [--json]
 *
 * The daemon's config lifts the per-agent limits that would otherwise be what
 * is measured: calls_per_minute (default 6,000/min = 100/s) and
 * agent_cpu_percent (default one core). `--json` prints one JSON line last
 * (for bench/run-all.ts).
 *
 * Every path first makes `--warmup` untimed calls (the same number for each):
 * a long-running daemon is measured in its steady state, not while JSC is
 * still compiling its hot path. From a cold start, the in-process router's
 * calls/s per window of 500 calls climbed from ~2,500 to ~7,000 over the first
 * ~3,000-5,000 calls and the HTTP API's from ~1,600 to ~3,700 over ~3,000
 * (a8d22ac); the old 300-500 warm-up calls timed part of that climb.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binaryPath, makeSandbox, runOk, startServe, stopAllDaemons } from "../test/helpers/binary.ts";
import { publishExamples } from "../test/helpers/git-fixtures.ts";
import { cpuNs } from "./cpu.ts";

export { cpuNs };

const { values } = parseArgs({
  args: import.meta.main ? Bun.argv.slice(2) : [],
  options: { calls: { type: "string", default: "3000" }, inflight: { type: "string", default: "16" }, warmup: { type: "string", default: "3000" }, json: { type: "boolean", default: false } },
});
const N = Number(values.calls);
const INFLIGHT = Number(values.inflight);
const WARMUP = Number(values.warmup);
const ROUNDS = 5;
const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "..");

export interface Measured {
  name: string;
  calls: number;
  perSec: number;
  p50Us: number;
  p99Us: number;
  /** CPU time the serving process(es) spent per call (all threads, from each thread's /proc schedstat), when measured. */
  serverCpuUs?: number;
  /** CPU time per call of the processes behind the server (e.g. the agent), when measured. */
  backendCpuUs?: number;
  /** bench/runtime-calls.ts: the answering Elixir process's CPU per call (ping-pong peer, SDK agent). */
  peerCpuUs?: number;
}

export const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const measured: Measured[] = [];
const log = (s: string) => console.error(s);

export interface Path {
  name: string;
  inflight: number;
  call: (i: number) => Promise<void>;
  /** The serving processes whose CPU time is charged to this path. */
  pids: () => number[];
  /** Processes behind the server (e.g. the agent) whose CPU is reported beside it. */
  backendPids?: () => number[];
  backendCpuNs: number;
  lat: number[];
  ms: number;
  cpuNs: number;
  /** Per round: calls/s and server CPU µs per call (for per-round ratios between paths). */
  rounds: Array<{ perSec: number; cpuUs: number; backendCpuUs: number }>;
}

export interface InterleaveOptions {
  /** Calls per path, spread over the rounds. */
  calls: number;
  rounds?: number;
  warmup?: number;
  /** Rotate the order of the paths each round, so no path always runs right after the same other one. */
  rotate?: boolean;
}

/**
 * Runs every path in interleaved rounds (calls/rounds calls each, after
 * `warmup` calls), so each side of a ratio sees the same minutes of machine
 * load: on a shared 2-core machine a path measured a minute later can see
 * several times the load. Logs and returns one row per path.
 */
export async function interleaved(paths: Path[], o: InterleaveOptions): Promise<Measured[]> {
  const rounds = o.rounds ?? ROUNDS;
  for (const p of paths) for (let i = 0; i < (o.warmup ?? WARMUP); i++) await p.call(i);
  const per = Math.ceil(o.calls / rounds);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < paths.length; k++) {
      const p = paths[o.rotate ? (k + round) % paths.length : k]!;
      let next = 0;
      const pids = p.pids();
      const back = p.backendPids?.() ?? [];
      const c0 = pids.reduce((a, pid) => a + cpuNs(pid), 0);
      const b0 = back.reduce((a, pid) => a + cpuNs(pid), 0);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: p.inflight }, async () => {
          while (next < per) {
            const i = next++;
            const s = performance.now();
            await p.call(i);
            p.lat.push((performance.now() - s) * 1000);
          }
        }),
      );
      const ms = performance.now() - t0;
      const cpu = pids.reduce((a, pid) => a + cpuNs(pid), 0) - c0;
      const backCpu = back.reduce((a, pid) => a + cpuNs(pid), 0) - b0;
      p.ms += ms;
      p.cpuNs += cpu;
      p.backendCpuNs += backCpu;
      p.rounds.push({ perSec: (per / ms) * 1000, cpuUs: cpu / 1000 / per, backendCpuUs: backCpu / 1000 / per });
    }
  }
  return paths.map((p) => {
    const m: Measured = { name: p.name, calls: p.lat.length, perSec: (p.lat.length / p.ms) * 1000, p50Us: pct(p.lat, 50), p99Us: pct(p.lat, 99) };
    if (p.pids().length) m.serverCpuUs = p.cpuNs / 1000 / p.lat.length;
    if (p.backendPids) m.backendCpuUs = p.backendCpuNs / 1000 / p.lat.length;
    log(
      `${m.name}: ${Math.round(m.perSec)} calls/s, p50 ${m.p50Us.toFixed(0)} µs, p99 ${m.p99Us.toFixed(0)} µs${m.serverCpuUs ? `, server CPU ${m.serverCpuUs.toFixed(0)} µs/call` : ""}${m.backendCpuUs !== undefined ? `, behind it ${m.backendCpuUs.toFixed(0)} µs/call` : ""}`,
    );
    return m;
  });
}

export const path = (name: string, inflight: number, call: Path["call"], pids: Path["pids"], backendPids?: Path["backendPids"]): Path => ({
  name,
  inflight,
  call,
  pids,
  ...(backendPids ? { backendPids } : {}),
  lat: [],
  ms: 0,
  cpuNs: 0,
  backendCpuNs: 0,
  rounds: [],
});

/** Every process below `pid` (children, grandchildren, …), from /proc: e.g. a daemon's agents behind bwrap. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent; the command name (field 2) may hold spaces, so split after its ")".
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** The MCP TypeScript SDK, server and client on Bun over stdio (no daemon, no agent). */
async function sdkPeer(): Promise<{ client: Client; pid: number }> {
  const client = new Client({ name: "bench", version: "1" });
  const transport = new StdioClientTransport({ command: process.execPath, args: [join(import.meta.dir, "mcp-echo-peer.ts")], stderr: "inherit" });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

const sdkCall = (client: Client) => async (i: number) => {
  const r = await client.callTool({ name: "echo", arguments: { text: `hello ${i}` } });
  if (r.isError) throw new Error(`MCP SDK peer: ${JSON.stringify(r.content)}`);
};

/** A bare Bun.serve in its own process that parses the JSON body and answers JSON: the HTTP ceiling. */
async function bareServer(): Promise<{ url: string; pid: number; stop: () => void }> {
  const src = `const s = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(req) {
    const b = await req.json();
    return Response.json({ output: b.arguments, duration_ms: 0, request_id: "x" });
  } }); console.log(s.url.href);`;
  const proc = Bun.spawn([process.execPath, "-e", src], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("bare Bun.serve exited before printing its URL");
    out += new TextDecoder().decode(value);
  }
  return { url: out.trim(), pid: proc.pid, stop: () => proc.kill() };
}

/** POSTs a tool call; throws on anything but 200. */
export function poster(url: string, headers: Record<string, string>) {
  return async (i: number) => {
    const r = await fetch(url, { method: "POST", headers, body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: `hello ${i}` } }) });
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  };
}

/** bench/runtime-calls.ts in a child: raw ping-pong, raw SDK echo, in-process router. */
function runtimeRows(): Measured[] {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "runtime-calls.ts"), String(N), String(INFLIGHT), "--warmup", String(WARMUP), "--json"], { stdout: "pipe", stderr: "pipe", env: process.env });
  if (r.exitCode !== 0) throw new Error(`bench/runtime-calls.ts: exit ${r.exitCode}: ${r.stderr.toString().slice(-400)}`);
  return (JSON.parse(r.stdout.toString().trim().split("\n").pop()!) as { rows: Measured[] }).rows;
}

export interface EchoDaemon {
  /** POSTs one echo tool call through the daemon's HTTP API (keep-alive). */
  call: Path["call"];
  pid: number;
  /** What the daemon wrote to stderr so far. */
  stderr: () => string;
  /** Stops the daemon (and its agent) and removes its data directory. */
  stop: () => Promise<void>;
}

/**
 * The compiled daemon (`serve`) in its own data directory with the real Elixir
 * echo agent installed, enabled and running. `config` is merged over the
 * bench's config.json, which lifts the per-agent rate limit (100 calls/s by
 * default) and CPU cap (one core), or they are what gets measured.
 */
export async function echoDaemon(prefix: string, config: Record<string, unknown> = {}, o: { readyTimeoutMs?: number; env?: Record<string, string> } = {}): Promise<EchoDaemon> {
  const box = makeSandbox({ prefix, env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  let daemon: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    await binaryPath();
    mkdirSync(box.home, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(box.home, "config.json"),
      JSON.stringify({
        scan_roots: [],
        ...config,
        limits: { calls_per_minute: 1_000_000, max_concurrency: 64, agent_cpu_percent: 100 * navigator.hardwareConcurrency, ...(config.limits as object | undefined) },
      }),
    );
    const run = (args: string[]) => runOk(args, { sandbox: box, timeoutMs: 300_000 });
    await run(["registry", "add", "local", publishExamples(box.dir, [ECHO]).url]);
    await run(["registry", "sync"]);
    await run(["agents", "install", ECHO, "--yes"]);
    await run(["agents", "enable", ECHO, "--approve-all"]);
    daemon = await startServe({ sandbox: box, ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}), ...(o.env ? { env: o.env } : {}) });
    await run(["agents", "run", ECHO]);
    const admin = (await Bun.file(join(box.home, "admin.token")).text()).trim();
    const d = daemon;
    const call = poster(new URL("/api/v1/tools/call", d.info.url).href, { authorization: `Bearer ${admin}`, "content-type": "application/json" });
    return {
      call,
      pid: d.pid,
      stderr: d.stderr,
      stop: async () => {
        await d.stop().catch(() => d.stop("SIGKILL"));
        box.cleanup();
      },
    };
  } catch (e) {
    await daemon?.stop("SIGKILL").catch(() => {});
    box.cleanup();
    throw e;
  }
}

if (import.meta.main) await main();

async function main(): Promise<void> {
  try {
    const daemon = await echoDaemon("os-bench-calls-");
    const apiCall = daemon.call;
    const bare = await bareServer();
    const bareCall = poster(bare.url, { "content-type": "application/json" });

    const peerSeq = await sdkPeer();
    const peerPar = await sdkPeer();
    measured.push(
      ...(await interleaved(
        [
          path("MCP SDK stdio (Bun↔Bun), sequential", 1, sdkCall(peerSeq.client), () => [peerSeq.pid]),
          path("HTTP API tool call, sequential keep-alive", 1, apiCall, () => [daemon.pid]),
          path("bare Bun.serve JSON, sequential keep-alive", 1, bareCall, () => [bare.pid]),
          path(`MCP SDK stdio (Bun↔Bun), ${INFLIGHT} in flight`, INFLIGHT, sdkCall(peerPar.client), () => [peerPar.pid]),
          path(`HTTP API tool call, ${INFLIGHT} in flight`, INFLIGHT, apiCall, () => [daemon.pid]),
          path(`bare Bun.serve JSON, ${INFLIGHT} in flight`, INFLIGHT, bareCall, () => [bare.pid]),
        ],
        { calls: N },
      )),
    );
    await peerSeq.client.close();
    await peerPar.client.close();
    bare.stop();
    await daemon.stop();
    for (const m of runtimeRows()) {
      measured.push(m);
      log(`${m.name}: ${Math.round(m.perSec)} calls/s, p50 ${m.p50Us.toFixed(0)} µs, p99 ${m.p99Us.toFixed(0)} µs`);
    }
  } finally {
    await stopAllDaemons();
  }

  const by = (prefix: string) => measured.find((m) => m.name.startsWith(prefix))!;
  const sdkSeq = by("MCP SDK stdio (Bun↔Bun), sequential");
  const sdkPar = by(`MCP SDK stdio (Bun↔Bun), ${INFLIGHT}`);
  const apiSeq = by("HTTP API tool call, sequential");
  const apiPar = by(`HTTP API tool call, ${INFLIGHT}`);
  const bareSeq = by("bare Bun.serve JSON, sequential");
  const raw = by("raw Bun↔Elixir ping-pong");
  const rawSdk = by("raw tool.call → Elixir SDK echo");
  // CPU rows with schedulers that do not spin (what the runtime gives agents): work and wake-ups only.
  const sdkCpu = by("raw tool.call → Elixir SDK echo (no router), no busy-wait").peerCpuUs! - by("raw Bun↔Elixir ping-pong (sequential), no busy-wait").peerCpuUs!;
  const routerSeq = by("router → Elixir echo (sequential)");
  // The router's agent runs with the agents' BEAM flags (one scheduler, no busy-wait): its ceiling is measured with them.
  const rawAgentFlags = by("raw Bun↔Elixir ping-pong (sequential), agents' BEAM flags");
  const rawSdkAgentFlags = by("raw tool.call → Elixir SDK echo (no router), agents' BEAM flags");

  /** Ratios against the goals of issue 13 (higher is better unless `lowerIsBetter`). */
  const checks = [
    { what: "HTTP API ÷ MCP SDK, sequential calls/s", value: apiSeq.perSec / sdkSeq.perSec, goal: "floor 1×, goal 2×", ok: apiSeq.perSec / sdkSeq.perSec >= 2 },
    { what: `HTTP API ÷ MCP SDK, ${INFLIGHT} in flight calls/s`, value: apiPar.perSec / sdkPar.perSec, goal: "floor 1×, goal 2×", ok: apiPar.perSec / sdkPar.perSec >= 2 },
    { what: "bare Bun.serve ÷ MCP SDK, sequential (ceiling)", value: bareSeq.perSec / sdkSeq.perSec, goal: "reference", ok: true },
    { what: "HTTP API ÷ bare Bun.serve, sequential", value: apiSeq.perSec / bareSeq.perSec, goal: "reference", ok: true },
    {
      what: "daemon CPU per HTTP call ÷ MCP SDK server CPU per call, sequential (the agent's own CPU not included)",
      value: (apiSeq.serverCpuUs ?? NaN) / (sdkSeq.serverCpuUs ?? NaN),
      goal: "≤ 1 is at least as cheap",
      ok: (apiSeq.serverCpuUs ?? Infinity) <= (sdkSeq.serverCpuUs ?? 0),
    },
    { what: "in-process router ÷ raw SDK echo (no router), same BEAM flags, calls/s", value: routerSeq.perSec / rawSdkAgentFlags.perSec, goal: "reference: the router's own share", ok: true },
    { what: "in-process router ÷ raw ping-pong with the agents' BEAM flags, calls/s", value: routerSeq.perSec / rawAgentFlags.perSec, goal: "≥ 0.5", ok: routerSeq.perSec / rawAgentFlags.perSec >= 0.5 },
    { what: "in-process router ÷ raw ping-pong with ERTS's default flags (2 schedulers, busy-wait), calls/s", value: routerSeq.perSec / raw.perSec, goal: "reference", ok: true },
    { what: "HTTP API sequential p99 ÷ p50", value: apiSeq.p99Us / apiSeq.p50Us, goal: "≤ 3 (quiet run)", ok: apiSeq.p99Us / apiSeq.p50Us <= 3 },
    { what: "MCP SDK sequential p99 ÷ p50 (the peer, same run)", value: sdkSeq.p99Us / sdkSeq.p50Us, goal: "reference", ok: true },
    { what: "bare Bun.serve sequential p99 ÷ p50 (an empty server, same run)", value: bareSeq.p99Us / bareSeq.p50Us, goal: "reference", ok: true },
    { what: `HTTP API ${INFLIGHT} in flight ÷ sequential, calls/s`, value: apiPar.perSec / apiSeq.perSec, goal: "≥ 2", ok: apiPar.perSec / apiSeq.perSec >= 2 },
    { what: "Elixir SDK per-call cost (raw SDK echo p50 − ping-pong p50, µs)", value: rawSdk.p50Us - raw.p50Us, goal: "half of ~30 µs", ok: rawSdk.p50Us - raw.p50Us <= 15 },
    { what: "Elixir SDK per-call cost with the agents' BEAM flags (raw SDK echo p50 − ping-pong p50, µs)", value: rawSdkAgentFlags.p50Us - rawAgentFlags.p50Us, goal: "half of ~30 µs", ok: rawSdkAgentFlags.p50Us - rawAgentFlags.p50Us <= 15 },
    { what: "Elixir SDK per-call CPU (SDK agent's CPU/call − ping-pong peer's, no busy-wait, µs)", value: sdkCpu, goal: "half of ~30 µs", ok: sdkCpu <= 15 },
  ];

  const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
  const table = [
    ["path", "calls/s", "p50", "p99", "server CPU/call"],
    ...measured.map((m) => [m.name, Math.round(m.perSec).toLocaleString("en-US"), fmtUs(m.p50Us), fmtUs(m.p99Us), m.serverCpuUs === undefined ? "-" : fmtUs(m.serverCpuUs)]),
  ];
  const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  console.log(table.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
  console.log("");
  for (const c of checks) console.log(`${c.ok ? "ok  " : "MISS"} ${c.what}: ${c.value.toFixed(2)} (${c.goal})`);
  console.log(
    `\n(every API call is authenticated, Host/Origin-checked, body-limited, permission- and schema-checked and audited)\nreproduce: bun bench/tool-calls.ts --calls ${N} --inflight ${INFLIGHT}`,
  );
  if (values.json) console.log(JSON.stringify({ rows: measured, checks }));
}
