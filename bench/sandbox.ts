#!/usr/bin/env bun
/**
 * What the agent sandbox costs (issue 11): agent start (spawn → tools
 * registered) and sequential tool-call latency, for the SAME built agent
 * (examples/echo), on one machine in one run, with `sandbox: "off"` and
 * `sandbox: "required"`. Both runtimes live side by side and the measurements
 * alternate between them, so machine noise and drift hit both alike.
 *
 *   bun bench/sandbox.ts [starts=5] [calls=5000]
 *
 * Goals: the sandbox adds < 150 ms to a start and < 10 % to call latency.
 *
 * Starts alternate round by round and calls one by one between the two
 * agents. Note what a "start" compares: unsandboxed, `mix` runs through its
 * shell scripts (mix → elixir → erl → erlexec); sandboxed without
 * process:spawn, the launcher starts erlexec directly, which saves those
 * scripts and pays for bwrap (~10 ms here), the Landlock exec step (~30-50 ms)
 * and the cgroup/prlimit step. The runtime runs in-process from source, so the
 * Landlock step is `bun src/main.ts __exec-restricted` (about as fast as the
 * compiled binary's).
 */
import { loadavg } from "node:os";
import { buildExample } from "../test/helpers/elixir-build.ts";
import { type RuntimeEnv, runtimeEnv } from "../test/helpers/runtime-env.ts";

const STARTS = Number(process.argv[2] ?? 5);
const CALLS = Number(process.argv[3] ?? 5000);
const ECHO = "com.opensentience.examples.echo";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

const limits = { calls_per_minute: 1_000_000, max_concurrency: 64 };
const modes = { off: await runtimeEnv(limits, { sandbox: "off" }), sandbox: await runtimeEnv(limits, { sandbox: "required" }) } as const;
type Mode = keyof typeof modes;
const order: Mode[] = ["off", "sandbox"];

async function startOnce(env: RuntimeEnv): Promise<number> {
  const t0 = performance.now();
  await env.runtime.run(ECHO, "cli");
  const ms = performance.now() - t0;
  if (env.runtime.tools(ECHO).length === 0) throw new Error("started without tools");
  return ms;
}

async function call(env: RuntimeEnv): Promise<void> {
  const r = await env.runtime.call({ tool: `${ECHO}/echo`, arguments: { text: "hello" }, caller: { kind: "cli", id: "bench" } });
  if (!r.ok) throw new Error(`call failed: ${r.error.code}`);
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const loadBefore = load();
try {
  // One build of the agent, installed (the same directory) in both runtimes.
  const echo = await buildExample("echo", modes.sandbox.home);
  for (const m of order) modes[m].installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest });

  // Starts: one warm-up each, then STARTS alternating rounds.
  const starts: Record<Mode, number[]> = { off: [], sandbox: [] };
  for (let round = -1; round < STARTS; round++) {
    for (const m of round % 2 ? order : [...order].reverse()) {
      const ms = await startOnce(modes[m]);
      if (round >= 0) starts[m].push(ms);
      await modes[m].runtime.stopAgent(ECHO, "cli");
    }
  }
  const view = modes.sandbox.runtime.sandboxView(ECHO);
  if (!view?.sandboxed) throw new Error(`the sandbox was not used: ${view?.reason}`);

  // Calls: both agents up, warm-up, then one call to each in turn (which goes
  // first alternates), so both see the same moments of a busy machine.
  for (const m of order) await modes[m].runtime.run(ECHO, "cli");
  const lat: Record<Mode, number[]> = { off: [], sandbox: [] };
  for (const m of order) for (let i = 0; i < 300; i++) await call(modes[m]);
  for (let i = 0; i < CALLS; i++) {
    for (const m of i % 2 ? [...order].reverse() : order) {
      const t0 = performance.now();
      await call(modes[m]);
      lat[m].push((performance.now() - t0) * 1000);
    }
  }

  const rows = order.map((m) => [
    m === "off" ? 'sandbox: "off"' : 'sandbox: "required"',
    `${median(starts[m]).toFixed(0)} ms`,
    `${Math.min(...starts[m]).toFixed(0)}–${Math.max(...starts[m]).toFixed(0)} ms`,
    `${pct(lat[m], 50).toFixed(1)} µs`,
    `${pct(lat[m], 99).toFixed(1)} µs`,
    `${Math.round(lat[m].length / (lat[m].reduce((a, b) => a + b, 0) / 1e6)).toLocaleString()}`,
  ]);
  const head = ["mode", `start (median of ${STARTS})`, "start range", `call p50 (n=${CALLS})`, "call p99", "calls/s"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log([head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));

  const startDelta = median(starts.sandbox) - median(starts.off);
  const p50 = pct(lat.sandbox, 50) / pct(lat.off, 50);
  const p99 = pct(lat.sandbox, 99) / pct(lat.off, 99);
  const plan = view.plan!;
  console.log(`
sandbox start overhead: ${startDelta >= 0 ? "+" : ""}${startDelta.toFixed(0)} ms (median ${median(starts.sandbox).toFixed(0)} vs ${median(starts.off).toFixed(0)} ms)  goal < 150 ms: ${startDelta < 150 ? "met" : "NOT met"}
sandbox call p50 ratio: ${p50.toFixed(3)}x (${((p50 - 1) * 100).toFixed(1)} %)  goal < 10 %: ${p50 < 1.1 ? "met" : "NOT met"}
sandbox call p99 ratio: ${p99.toFixed(3)}x (${((p99 - 1) * 100).toFixed(1)} %)
load average before/after: ${loadBefore} / ${load()} (${navigator.hardwareConcurrency} cores)
(sandboxed run: network ${plan.network.mode}, ${plan.spawn ? "may" : "may not"} start programs, ${plan.mounts.length} mounts${view.limits ? `, limits: ${view.limits.memoryMb} MB memory (${view.limits.enforced.memory ?? "not enforced"}), ${view.limits.cpuPercent} % CPU (${view.limits.enforced.cpu ?? "not enforced"}), ${view.limits.maxProcesses} tasks (${view.limits.enforced.processes ?? "not enforced"})` : ""})
reproduce: bun bench/sandbox.ts ${STARTS} ${CALLS}`);
} finally {
  for (const m of order) await modes[m].close();
}
