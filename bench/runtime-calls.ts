#!/usr/bin/env bun
/**
 * Tool-call throughput and latency through the router to a real Elixir agent
 * (examples/echo), side by side with a raw Bun↔Elixir ping-pong over the same
 * framing on the same kind of socket (the ceiling for one in-flight call).
 *
 *   bun bench/runtime-calls.ts [calls=5000] [concurrency=8] [--json]
 *
 * `--json` prints one JSON line last ({rows: [{name, calls, perSec, p50Us, p99Us, peerCpuUs?}]}) for bench/tool-calls.ts.
 * The Elixir side's CPU per call (ping-pong peer, SDK agent) is read from /proc:
 * their difference is the SDK's own cost, which latency (two wake-ups per call)
 * measures only coarsely.
 */
import { join } from "node:path";
import { beamFlags } from "../src/core/runtime/beam-flags.ts";
import { encodeFrame, FrameDecoder } from "../src/protocol/index.ts";
import { buildExample } from "../test/helpers/elixir-build.ts";
import { cpuNs } from "./cpu.ts";
import { runtimeEnv, shortTempDir } from "../test/helpers/runtime-env.ts";

const JSON_OUT = process.argv.includes("--json");
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const N = Number(positional[0] ?? 5000);
const CONC = Number(positional[1] ?? 8);
const ECHO = "com.opensentience.examples.echo";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (us: number) => `${us.toFixed(1)} µs`;
const rows: string[][] = [];
const data: Array<{ name: string; calls: number; perSec: number; p50Us: number; p99Us: number; peerCpuUs?: number }> = [];
const row = (name: string, n: number, totalMs: number, lat: number[], peerCpuUs?: number) => {
  rows.push([name, String(n), `${Math.round((n / totalMs) * 1000).toLocaleString()}`, fmt(pct(lat, 50)), fmt(pct(lat, 99)), peerCpuUs === undefined ? "-" : fmt(peerCpuUs)]);
  data.push({ name, calls: n, perSec: (n / totalMs) * 1000, p50Us: pct(lat, 50), p99Us: pct(lat, 99), ...(peerCpuUs === undefined ? {} : { peerCpuUs }) });
};

/**
 * 500 warm-up round trips, then N timed ones, one at a time; adds a result row.
 * `peerPid`: the Elixir process answering, whose CPU per call (all its threads,
 * /proc) is reported — a figure the machine's load moves far less than latency.
 */
async function sequential(name: string, once: () => Promise<unknown>, peerPid?: number): Promise<void> {
  for (let i = 0; i < 500; i++) await once();
  const lat: number[] = [];
  const cpu0 = peerPid === undefined ? 0 : cpuNs(peerPid);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await once();
    lat.push((performance.now() - s) * 1000);
  }
  row(name, N, performance.now() - t0, lat, peerPid === undefined ? undefined : (cpuNs(peerPid) - cpu0) / 1000 / N);
}

// --- raw ping-pong -------------------------------------------------------
/**
 * BEAM flags of the CPU rows: schedulers that sleep at once instead of busy-waiting (as the runtime starts agents),
 * so an Elixir process's CPU per call is its work and wake-ups, not its spinning between calls.
 */
const NO_SPIN = { ELIXIR_ERL_OPTIONS: "+sbwt none +sbwtdcpu none +sbwtdio none" };

async function rawPingPong(label = "", env: Record<string, string> = {}): Promise<void> {
  const dir = shortTempDir("ospp-");
  const path = join(dir, "pp.sock");
  let onFrame: (() => void) | null = null;
  const decoder = new FrameDecoder();
  let client: import("bun").Socket<unknown> | null = null;
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const server = Bun.listen({
    unix: path,
    socket: {
      open(s) {
        client = s as never;
        connected();
      },
      data(_s, chunk) {
        for (const _f of decoder.push(chunk).frames) onFrame?.();
      },
    },
  });
  const peer = Bun.spawn(["elixir", join(import.meta.dir, "pingpong.exs"), path], { stdout: "inherit", stderr: "inherit", env: { ...process.env, ...env } });
  await ready;
  const frame = encodeFrame({ v: 1, type: "tool.call", id: "x", request_id: "r", payload: { tool: "echo", arguments: { text: "hello" }, timeout_ms: 1000, caller: { kind: "cli", id: "b" } } });
  const once = () =>
    new Promise<void>((res) => {
      onFrame = res;
      client!.write(frame);
    });
  await sequential(`raw Bun↔Elixir ping-pong (sequential)${label}`, once, peer.pid);
  peer.kill();
  server.stop(true);
}

// --- raw tool.call frames to the Elixir SDK agent, no router -----------------
// A minimal stand-in core: accepts any hello, registers nothing, sends tool.call
// frames and awaits tool.result. Isolates the SDK's own per-call cost.
async function rawSdkCalls(home: string, agentDir: string, label = "", env: Record<string, string> = {}): Promise<void> {
  const path = join(shortTempDir("osrs-"), "s.sock");
  const decoder = new FrameDecoder();
  let sock: import("bun").Socket<unknown> | null = null;
  let waiting: ((f: Record<string, unknown>) => void) | null = null;
  let registered!: () => void;
  const ready = new Promise<void>((r) => (registered = r));
  const server = Bun.listen({
    unix: path,
    socket: {
      open(s) {
        sock = s as never;
      },
      data(s, chunk) {
        for (const f of decoder.push(chunk).frames as Array<Record<string, any>>) {
          if (f.type === "hello") s.write(encodeFrame({ v: 1, type: "welcome", id: "w", reply_to: f.id, payload: { protocol_version: 1, session_id: "s", heartbeat_interval_ms: 5000, max_frame_bytes: 1048576, max_concurrent_calls: 64 } }));
          else if (f.type === "tools.register") {
            s.write(encodeFrame({ v: 1, type: "tools.registered", id: "r", reply_to: f.id, payload: { accepted: f.payload.tools.map((t: { name: string }) => t.name), rejected: [] } }));
            registered();
          } else if (f.type === "tool.result" || f.type === "tool.error") waiting?.(f);
        }
      },
    },
  });
  const { mixEnv } = await import("../src/core/agent-env.ts");
  const { dataPaths } = await import("../src/core/config/paths.ts");
  const agent = Bun.spawn(["mix", "opensentience.agent"], {
    cwd: agentDir,
    env: { ...mixEnv(dataPaths(home)), OPENSENTIENCE_SDK_PATH: join(import.meta.dir, "../sdk/elixir"), OPENSENTIENCE_SOCKET: path, OPENSENTIENCE_AGENT_ID: ECHO, OPENSENTIENCE_TOKEN: "bench", ...env },
    stdout: "ignore",
    stderr: "inherit",
  });
  await ready;
  let n = 0;
  const once = () =>
    new Promise<void>((res) => {
      waiting = () => res();
      sock!.write(encodeFrame({ v: 1, type: "tool.call", id: `c${++n}`, request_id: `r${n}`, payload: { tool: "echo", arguments: { text: "hello" }, timeout_ms: 5000, caller: { kind: "cli", id: "bench" } } }));
    });
  await sequential(`raw tool.call → Elixir SDK echo (no router)${label}`, once, agent.pid);
  agent.kill();
  await agent.exited;
  server.stop(true);
}

// --- through the router -----------------------------------------------------
async function routerCalls(): Promise<void> {
  // The default per-agent caps (6,000 calls/min, one core of CPU) would measure the limits, not the router.
  const env = await runtimeEnv({ calls_per_minute: 1_000_000, max_concurrency: 64, agent_cpu_percent: 100 * navigator.hardwareConcurrency });
  try {
    const echo = await buildExample("echo", env.home);
    await rawSdkCalls(env.home, echo.dir);
    await rawSdkCalls(env.home, echo.dir, ", no busy-wait", NO_SPIN);
    await rawSdkCalls(env.home, echo.dir, ", agents' BEAM flags", { ELIXIR_ERL_OPTIONS: beamFlags(undefined).join(" ") });
    env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest });
    await env.runtime.run(ECHO, "cli");
    const call = async () => {
      const r = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "hello" }, caller: { kind: "cli", id: "bench" } });
      if (!r.ok) throw new Error(`call failed: ${r.error.code}`);
    };
    await sequential("router → Elixir echo (sequential)", call);
    const lat: number[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next++ < N) {
          const s = performance.now();
          await call();
          lat.push((performance.now() - s) * 1000);
        }
      }),
    );
    row(`router → Elixir echo (${CONC} in flight)`, N, performance.now() - t0, lat);
  } finally {
    await env.close();
  }
}

await rawPingPong();
await rawPingPong(", no busy-wait", NO_SPIN);
// The ceiling for the router rows: the runtime starts the echo agent with these flags (one scheduler, no busy-wait,
// small allocators: src/core/runtime/beam-flags.ts), so its ping-pong is measured with them too.
await rawPingPong(", agents' BEAM flags", { ELIXIR_ERL_OPTIONS: beamFlags(undefined).join(" ") });
await routerCalls();
const head = ["path", "calls", "calls/s", "p50", "p99", "Elixir CPU/call"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log([head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
if (JSON_OUT) console.log(JSON.stringify({ rows: data }));
else console.log(`\n(every router call is schema-checked, permission-checked and written to the SQLite audit log)\nreproduce: bun bench/runtime-calls.ts ${N} ${CONC}`);
