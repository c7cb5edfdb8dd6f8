#!/usr/bin/env bun
/**
 * What tracing costs the router (issue 15 part 4; goal: enabled within 5 % of disabled).
 * The in-process router — real tool registry and JSON-schema check, limiter,
 * SQLite audit log — in front of an in-process agent that answers each
 * tool.call on the next turn of the event loop (setImmediate, as a socket's
 * data callback would), so the router's own cost is not hidden behind a
 * socket round trip. Variants, interleaved round by round:
 *
 *   - no tracer        the router without a tracer at all (the reference)
 *   - tracing off      config tracing.enabled=false (must be ~ the reference)
 *   - tracing on       spans recorded in memory (the default), agent span reported
 *   - no tracer (A/A)  the reference again: the spread between identical variants is the noise floor
 *
 * Then, separately (its exporter keeps working between rounds, which would bill
 * whichever variant runs next): tracing off vs on + OTLP/HTTP export to a local
 * receiver that only counts requests.
 *
 * The machine this runs on may be shared and loaded: the cost measured is this
 * process's CPU time (user + system) per call, not wall time, and each round
 * runs every variant for the same number of calls in a rotating order; the
 * figure reported is the median over rounds of the per-round ratio.
 *
 *   bun bench/tracing.ts [calls-per-round=2000] [rounds=30] [--json]
 */
import type { Router } from "../src/core/runtime/router.ts";
import { echoRouter } from "./echo-router.ts";
import { Tracer } from "../src/core/tracing/tracer.ts";
import { tracingSettings } from "../src/core/tracing/settings.ts";
import { runtimeEnv } from "../test/helpers/runtime-env.ts";

const JSON_OUT = process.argv.includes("--json");
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const N = Number(positional[0] ?? 2000);
const ROUNDS = Number(positional[1] ?? 30);
const AGENT = "com.example.bench";
const TOOL = `${AGENT}/echo`;

const env = await runtimeEnv();
// A receiver that only counts: decoding would bill the exporter for the receiver's work.
let exported = 0;
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    exported += (await req.arrayBuffer()).byteLength > 0 ? 1 : 0;
    return Response.json({});
  },
});

/** The agent double answers on the next event-loop turn, with an agent_span when it got a traceparent. */
const makeRouter = (tracer: Tracer | undefined): Router =>
  echoRouter({ agentId: AGENT, audit: env.services.audit, events: env.services.events, answer: "next-turn", ...(tracer ? { tracer } : {}) }).router;

const base = tracingSettings(undefined, {});
const exporting = new Tracer({ ...base, tracesUrl: `http://127.0.0.1:${receiver.port}/v1/traces` });
await exporting.start();
type Variant = { name: string; router: Router; samples: number[]; ratios: number[] };
const variant = (name: string, tracer: Tracer | undefined): Variant => ({ name, router: makeRouter(tracer), samples: [], ratios: [] });
const offRouterTracer = new Tracer({ ...base, enabled: false });
const variants: Variant[] = [variant("no tracer (reference)", undefined), variant("tracing off", offRouterTracer), variant("tracing on (in memory)", new Tracer(base)), variant("no tracer again (A/A)", undefined)];
const exportPair: Variant[] = [variant("tracing off", offRouterTracer), variant("tracing on + OTLP export", exporting)];

const caller = { kind: "cli", id: "bench" } as const;
/** CPU µs per call over n sequential calls. */
async function round(router: Router, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const r = await router.call({ tool: TOOL, arguments: { text: "hello" }, caller });
    if (!r.ok) throw new Error(`call failed: ${r.error.code} ${r.error.message}`);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

async function measure(vs: Variant[]): Promise<void> {
  for (const v of vs) await round(v.router, 2000); // warm-up (JIT, statement caches)
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so drift (GC, other load on the machine) does not favour one variant.
    for (let k = 0; k < vs.length; k++) {
      const v = vs[(k + r) % vs.length]!;
      v.samples.push(await round(v.router, N));
    }
    for (const v of vs) v.ratios.push(v.samples.at(-1)! / vs[0]!.samples.at(-1)!);
  }
}
await measure(variants);
await measure(exportPair);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows = [...variants, exportPair[1]!].map((v) => ({ name: v.name, usPerCall: median(v.samples), vsReference: median(v.ratios) - 1 }));
const head = ["variant", "CPU µs/call (median of rounds)", "vs reference (median per-round ratio)"];
const table = rows.map((r) => [r.name, r.usPerCall.toFixed(2), `${r.vsReference >= 0 ? "+" : ""}${(r.vsReference * 100).toFixed(1)} %`]);
const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
console.log([head, ...table].map((t) => t.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
const onVsOff = median(variants[2]!.samples.map((on, i) => on / variants[1]!.samples[i]!)) - 1;
const exportVsOff = median(exportPair[1]!.ratios) - 1;
await exporting.shutdown();
console.log(`\n(the OTLP export row is relative to tracing off, measured in its own rounds)`);
console.log(`tracing on vs off: ${pct(onVsOff)} (goal < 5 %); A/A noise: ${pct(median(variants[3]!.ratios) - 1)}; on + OTLP export vs off: ${pct(exportVsOff)}`);
console.log(`${N} sequential calls × ${ROUNDS} rounds per variant; OTLP export requests received: ${exported}`);
if (JSON_OUT) console.log(JSON.stringify({ calls: N, rounds: ROUNDS, rows, onVsOff, exportVsOff }));
receiver.stop(true);
await env.close();
