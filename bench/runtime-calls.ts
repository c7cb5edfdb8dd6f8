#!/usr/bin/env bun
/**
 * Tool-call throughput and latency through the router to a real Elixir agent
 * (examples/echo), side by side with a raw Bun↔Elixir ping-pong over the same
 * framing on the same kind of socket (the ceiling for one in-flight call).
 *
 *   bun bench/runtime-calls.ts [calls=5000] [concurrency=8] [--warmup 3000] [--json]
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
import { interleaved, type Measured, type Path, path as timedPath } from "./tool-calls.ts";
import { runtimeEnv, shortTempDir } from "../test/helpers/runtime-env.ts";

const JSON_OUT = process.argv.includes("--json");
const warmupAt = process.argv.indexOf("--warmup");
/** Untimed calls before each sequential row (the same for every path): the router's JS must reach its steady-state tier. */
const WARMUP = warmupAt > 0 ? Number(process.argv[warmupAt + 1]) : 3000;
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--warmup");
const N = Number(positional[0] ?? 5000);
const CONC = Number(positional[1] ?? 8);
const ECHO = "com.opensentience.examples.echo";

const fmt = (us: number) => `${us.toFixed(1)} µs`;
type Once = () => Promise<unknown>;
interface Peer {
  once: Once;
  /** The Elixir process answering (its CPU per call is reported), if any. */
  pid?: number;
  stop(): Promise<void> | void;
}

// --- raw ping-pong -------------------------------------------------------
/**
 * BEAM flags of the CPU rows: schedulers that sleep at once instead of busy-waiting (as the runtime starts agents),
 * so an Elixir process's CPU per call is its work and wake-ups, not its spinning between calls.
 */
const NO_SPIN = { ELIXIR_ERL_OPTIONS: "+sbwt none +sbwtdcpu none +sbwtdio none" };

async function rawPingPong(env: Record<string, string> = {}): Promise<Peer> {
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
  return {
    once,
    pid: peer.pid,
    stop: () => {
      peer.kill();
      server.stop(true);
    },
  };
}

// --- raw tool.call frames to the Elixir SDK agent, no router -----------------
// A minimal stand-in core: accepts any hello, registers nothing, sends tool.call
// frames and awaits tool.result. Isolates the SDK's own per-call cost.
async function rawSdkCalls(home: string, agentDir: string, env: Record<string, string> = {}): Promise<Peer> {
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
  return {
    once,
    pid: agent.pid,
    stop: async () => {
      agent.kill();
      await agent.exited;
      server.stop(true);
    },
  };
}

// --- every path, interleaved -------------------------------------------------
/**
 * All peers run at once and are measured in interleaved rounds (bench/tool-calls.ts's `interleaved`): on this
 * shared 2-core machine the ping-pong alone moved between ~12k and ~19k calls/s from one minute to the next, so a
 * router row measured a minute after its ceiling gave ratios from 0.39 to 0.67. Each path first makes WARMUP
 * untimed calls; the router's JS must be compiled before it is timed.
 */
const AGENT_FLAGS = { ELIXIR_ERL_OPTIONS: beamFlags(undefined).join(" ") };
const peers: Peer[] = [];
// The default per-agent caps (6,000 calls/min, one core of CPU) would measure the limits, not the router.
const env = await runtimeEnv({ calls_per_minute: 1_000_000, max_concurrency: 64, agent_cpu_percent: 100 * navigator.hardwareConcurrency });
let measured: Measured[];
try {
  const echo = await buildExample("echo", env.home);
  const pp = await rawPingPong();
  const ppNoSpin = await rawPingPong(NO_SPIN);
  // The ceiling for the router rows: the runtime starts the echo agent with these flags (one scheduler, no busy-wait,
  // small allocators: src/core/runtime/beam-flags.ts), so its ping-pong is measured with them too.
  const ppAgent = await rawPingPong(AGENT_FLAGS);
  const sdk = await rawSdkCalls(env.home, echo.dir);
  const sdkNoSpin = await rawSdkCalls(env.home, echo.dir, NO_SPIN);
  const sdkAgent = await rawSdkCalls(env.home, echo.dir, AGENT_FLAGS);
  peers.push(pp, ppNoSpin, ppAgent, sdk, sdkNoSpin, sdkAgent);
  env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest });
  await env.runtime.run(ECHO, "cli");
  const routerCall = async () => {
    const r = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "hello" }, caller: { kind: "cli", id: "bench" } });
    if (!r.ok) throw new Error(`call failed: ${r.error.code}`);
  };
  const seq = (name: string, p: Peer) => timedPath(name, 1, p.once as Path["call"], () => (p.pid === undefined ? [] : [p.pid]));
  measured = await interleaved(
    [
      seq("raw Bun↔Elixir ping-pong (sequential)", pp),
      seq("raw Bun↔Elixir ping-pong (sequential), no busy-wait", ppNoSpin),
      seq("raw Bun↔Elixir ping-pong (sequential), agents' BEAM flags", ppAgent),
      seq("raw tool.call → Elixir SDK echo (no router)", sdk),
      seq("raw tool.call → Elixir SDK echo (no router), no busy-wait", sdkNoSpin),
      seq("raw tool.call → Elixir SDK echo (no router), agents' BEAM flags", sdkAgent),
      timedPath("router → Elixir echo (sequential)", 1, routerCall, () => []),
      timedPath(`router → Elixir echo (${CONC} in flight)`, CONC, routerCall, () => []),
    ],
    { calls: N, warmup: WARMUP },
  );
} finally {
  for (const p of peers) await p.stop();
  await env.close();
}
// serverCpuUs of a path here is its Elixir peer's CPU per call.
const data = measured.map(({ serverCpuUs, ...m }) => (serverCpuUs === undefined ? m : { ...m, peerCpuUs: serverCpuUs }));
const rows = data.map((m) => [m.name, String(m.calls), Math.round(m.perSec).toLocaleString("en-US"), fmt(m.p50Us), fmt(m.p99Us), m.peerCpuUs === undefined ? "-" : fmt(m.peerCpuUs)]);
const head = ["path", "calls", "calls/s", "p50", "p99", "Elixir CPU/call"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log([head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
if (JSON_OUT) console.log(JSON.stringify({ rows: data }));
else console.log(`\n(every router call is schema-checked, permission-checked and written to the SQLite audit log)\nreproduce: bun bench/runtime-calls.ts ${N} ${CONC} --warmup ${WARMUP}`);
