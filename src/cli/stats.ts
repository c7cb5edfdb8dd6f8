/**
 * `stats [--agent ID] [--json]`: per agent and tool, calls, error rate and
 * latency p50/p95/p99 over the last hour and over everything retained, with
 * restarts and uptime. From the daemon when it runs (live counters too), else
 * read from the catalog's per-minute rollups.
 */
import { storedStatsOf } from "../core/metrics/read.ts";
import type { StatsReport, WindowStats } from "../core/metrics/stats.ts";
import { type Command, stringOption } from "./command.ts";
import { clean, printJson, table } from "./output.ts";
import { resolveAgentFilter } from "./agent-ref.ts";

const msText = (v: number | null) => (v === null ? "-" : v < 10 ? `${v.toFixed(1)}ms` : v < 10_000 ? `${Math.round(v)}ms` : `${(v / 1000).toFixed(1)}s`);
const rate = (w: WindowStats) => (w.errorRate === null ? "-" : `${(w.errorRate * 100).toFixed(w.errorRate > 0 && w.errorRate < 0.1 ? 1 : 0)}%`);
const window = (w: WindowStats) => [String(w.calls), rate(w), msText(w.p50Ms), msText(w.p95Ms), msText(w.p99Ms)];

function uptime(s: number | null): string {
  if (s === null) return "-";
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

export function formatStats(r: StatsReport): string {
  if (r.agents.length === 0) return "No tool calls recorded yet (and no agent running).";
  const out: string[] = [];
  for (const a of r.agents) {
    const denied = Object.entries(a.denials).filter(([, n]) => n > 0);
    out.push(
      `${clean(a.agentId)}  ${a.state}` +
        (r.live ? `  uptime ${uptime(a.uptimeSeconds)}  restarts ${a.restarts} (${a.restartsTotal} since daemon start)  crashes ${a.crashesTotal}` : "") +
        (denied.length ? `  denials ${denied.map(([c, n]) => `${c}=${n}`).join(",")}` : ""),
    );
    if (a.tools.length === 0) out.push("  (no calls recorded)");
    else
      out.push(
        table(
          ["  TOOL", "1H CALLS", "1H ERR", "1H P50", "1H P95", "1H P99", `${r.retentionDays}D CALLS`, `${r.retentionDays}D ERR`, `${r.retentionDays}D P50`, `${r.retentionDays}D P95`, `${r.retentionDays}D P99`],
          a.tools.map((t) => [`  ${t.tool}`, ...window(t.lastHour), ...window(t.retained)]),
          [66],
        ),
      );
    out.push("");
  }
  out.push(`ERR: share of calls not ok (error, denied, canceled, timeout). Percentiles are estimated within fixed latency buckets. ${r.retentionDays}D: everything retained.${r.live ? "" : " (daemon not running: stored rollups only)"}`);
  return out.join("\n");
}

export const stats: Command = {
  path: ["stats"],
  summary: "Per-tool calls, error rate and latency p50/p95/p99 (last hour and retained), restarts and uptime",
  usage: "[--agent ID]",
  options: { agent: { type: "string", description: "Only this agent's tools" } },
  async run(ctx) {
    const t = await ctx.target({ write: false });
    const typed = stringOption(ctx.values, "agent");
    const agent = typed === undefined ? undefined : await resolveAgentFilter(t, typed);
    const report = t.kind === "daemon" ? await t.client.stats(agent) : storedStatsOf(t.services.metrics, t.services.clock.now(), agent);
    if (ctx.json) printJson(ctx.io, report);
    else ctx.io.out(formatStats(report));
    return 0;
  },
};
