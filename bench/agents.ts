#!/usr/bin/env bun
/**
 * Lean agents (issue 13, goal 4): a real example agent (examples/echo), built
 * as the installer builds it and started by the real runtime in the real
 * sandbox (when bubblewrap works here), launched both ways in the same run —
 * compiled (`erl` over the built ebin dirs, runtime/agent-command.ts) and
 * through mix (`"runtime": {"launch": "mix"}`, what every agent did before):
 *
 *   - start → tools registered, against a bare `mix run` of the same project
 *     (goal ≤ 1.2×), interleaved so both see the same machine load;
 *   - RSS of one idle agent's BEAM after registration (goal ≤ 35 MB);
 *   - CPU of N idle agents together over a window, from /proc/<pid>/stat
 *     ticks of every process of their trees (goal < 5 % of one core for 50).
 *
 *   bun bench/agents.ts [--agents 50] [--idle-seconds 30] [--starts 5] [--launch compiled,mix] [--json]
 *
 * `--json` prints one JSON line last ({rows: [...]}) for bench/run-all.ts.
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mixEnv } from "../src/core/agent-env.ts";
import { dataPaths } from "../src/core/config/paths.ts";
import { processTree } from "../src/core/runtime/process-tree.ts";
import { sandboxSupport } from "../src/core/sandbox/probe.ts";
import { EXAMPLES } from "../test/helpers/elixir-build.ts";
import { runtimeEnv, shortTempDir } from "../test/helpers/runtime-env.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    agents: { type: "string", default: "50" },
    "idle-seconds": { type: "string", default: "30" },
    starts: { type: "string", default: "5" },
    launch: { type: "string", default: "compiled,mix" },
    json: { type: "boolean", default: false },
  },
});
const N = Number(values.agents);
const IDLE_S = Number(values["idle-seconds"]);
const STARTS = Number(values.starts);
const LAUNCHES = values.launch!.split(",").map((s) => s.trim()) as Array<"compiled" | "mix">;
const CLK_TCK = 100; // Linux USER_HZ

export interface AgentBenchResult {
  sandboxed: boolean;
  bareMixRunMs: number;
  launches: Array<{ launch: "compiled" | "mix"; startMs: number; beamRssMb: number; treeRssMb: number; idleAgents: number; idleSeconds: number; idleCpuPercent: number }>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const statusField = (pid: number, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").trim();
/** utime + stime of one process, in ticks (0 once it is gone). */
function ticks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

// A private copy of the SDK: the agents depend on it by path, and a mix-launched agent would try to recompile
// (and fail, read-only in the sandbox) if someone edited sdk/elixir during the run.
const sdk = join(shortTempDir("osbsdk-"), "elixir");
cpSync(join(EXAMPLES, "../sdk/elixir"), sdk, { recursive: true, filter: (src) => !/\/(_build|deps)(\/|$)/.test(src) });
process.env.OPENSENTIENCE_SDK_PATH = sdk;

/** examples/echo built the way the installer builds it (mix deps.get, mix compile, the agents' environment). */
async function buildEcho(home: string): Promise<{ dir: string; manifest: Record<string, unknown> }> {
  const dir = join(shortTempDir("osbex-"), "echo");
  cpSync(join(EXAMPLES, "echo"), dir, { recursive: true, filter: (src) => !/\/(_build|deps)(\/|$)/.test(src) });
  for (const args of [["deps.get"], ["compile"]]) {
    const p = Bun.spawn(["mix", ...args], { cwd: dir, env: mixEnv(dataPaths(home)), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`mix ${args.join(" ")} failed in ${dir}:\n${out}\n${err}`);
  }
  return { dir, manifest: JSON.parse(readFileSync(join(dir, "opensentience.agent.json"), "utf8")) };
}

const support = sandboxSupport();
const env = await runtimeEnv({ calls_per_minute: 1_000_000, agent_cpu_percent: 100 * navigator.hardwareConcurrency }, { sandbox: support.available ? "required" : "off" });
const result: AgentBenchResult = { sandboxed: support.available, bareMixRunMs: 0, launches: [] };
try {
  const echo = await buildEcho(env.home);
  const idOf = (launch: string, i: number) => `com.opensentience.bench.${launch}${i}`;
  const install = (launch: "compiled" | "mix", i: number) => {
    const id = idOf(launch, i);
    env.installAgent({ id, path: echo.dir, manifest: { ...echo.manifest, id, ...(launch === "mix" ? { runtime: { launch: "mix" } } : {}) } });
    return id;
  };
  /** Wall time of run() = spawn → hello → tools.register accepted. */
  const timedStart = async (id: string) => {
    const t = performance.now();
    await env.runtime.run(id, "cli");
    return performance.now() - t;
  };
  const bareMixRun = async () => {
    const t = performance.now();
    const p = Bun.spawn(["mix", "run"], { cwd: echo.dir, env: mixEnv(dataPaths(env.home)), stdout: "ignore", stderr: "pipe" });
    const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
    if (code !== 0) throw new Error(`bare mix run: exit ${code}: ${err.slice(-300)}`);
    return performance.now() - t;
  };
  const treeOf = (id: string) => processTree(env.runtime.status(id).pid!);

  // Start times, interleaved: bare mix run, then one start (and stop) per launch kind.
  for (const l of LAUNCHES) install(l, 0);
  await bareMixRun(); // warms the page cache for everyone
  const bare: number[] = [];
  const starts = new Map<string, number[]>(LAUNCHES.map((l) => [l, []]));
  for (let k = 0; k < STARTS; k++) {
    bare.push(await bareMixRun());
    for (const l of LAUNCHES) {
      starts.get(l)!.push(await timedStart(idOf(l, 0)));
      await env.runtime.stopAgent(idOf(l, 0), "cli");
    }
  }
  result.bareMixRunMs = median(bare);

  for (const launch of LAUNCHES) {
    const ids = Array.from({ length: N }, (_, i) => install(launch, i));
    // Two at a time: a start is mostly CPU, and this machine is shared.
    for (let i = 0; i < ids.length; i += 2) await Promise.all(ids.slice(i, i + 2).map((id) => env.runtime.run(id, "cli")));
    await Bun.sleep(3000); // settle: this measures idleness, after start-up work (JIT, logger, first heartbeat) is done
    const beams = ids.map((id) => treeOf(id).find((p) => comm(p) === "beam.smp")!);
    const rss = beams.map((p) => statusField(p, "VmRSS") / 1024);
    const treeRss = ids.map((id) => treeOf(id).reduce((s, p) => s + statusField(p, "VmRSS") / 1024, 0));
    const pids = ids.flatMap(treeOf);
    const before = pids.map(ticks);
    const t0 = performance.now();
    await Bun.sleep(IDLE_S * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const used = pids.reduce((s, p, i) => s + Math.max(0, ticks(p) - before[i]!), 0);
    result.launches.push({
      launch,
      startMs: median(starts.get(launch)!),
      beamRssMb: median(rss),
      treeRssMb: median(treeRss),
      idleAgents: N,
      idleSeconds: seconds,
      idleCpuPercent: (used / CLK_TCK / seconds) * 100,
    });
    for (const id of ids) await env.runtime.stopAgent(id, "cli");
  }
} finally {
  await env.close();
}

if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`examples/echo, ${result.sandboxed ? "sandboxed (bubblewrap)" : "NOT sandboxed (bubblewrap unavailable)"}; bare \`mix run\` of the project: ${result.bareMixRunMs.toFixed(0)} ms (median of ${STARTS})`);
  for (const l of result.launches) {
    console.log(
      `${l.launch.padEnd(8)}  start→tools registered ${l.startMs.toFixed(0)} ms (${(l.startMs / result.bareMixRunMs).toFixed(2)}× bare mix run, goal ≤ 1.2)  ` +
        `idle BEAM RSS ${l.beamRssMb.toFixed(1)} MB (goal ≤ 35; whole tree ${l.treeRssMb.toFixed(1)} MB)  ` +
        `${l.idleAgents} idle agents: ${l.idleCpuPercent.toFixed(2)} % of one core over ${l.idleSeconds.toFixed(0)} s (goal < 5)`,
    );
  }
  console.log(`\nreproduce: bun bench/agents.ts ${Bun.argv.slice(2).join(" ")}`.trimEnd());
}
