/**
 * The agent page's per-tool metrics card (issue 15): calls, error rate and
 * p50/p95/p99 over the last hour and over everything retained, in-flight
 * calls, restarts and uptime, and a small latency chart per tool drawn here
 * as SVG (no script, no CDN). assets/tool-stats.js re-fetches this card from
 * GET /agents/:id/tool-stats whenever the agent's status is published (the
 * daemon publishes it at most once a second while calls finish), so it stays
 * live over the existing event stream.
 */
import type { AgentStats, ChartPoint, ToolStats, WindowStats } from "../../core/metrics/stats.ts";

const ms = (v: number | null) => (v === null ? "—" : v < 10 ? `${v.toFixed(1)} ms` : v < 10_000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
const pct = (w: WindowStats) => (w.errorRate === null ? "—" : `${(w.errorRate * 100).toFixed(w.errorRate > 0 && w.errorRate < 0.1 ? 1 : 0)}%`);

function duration(s: number | null): string {
  if (s === null) return "—";
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

const W = 120;
const H = 28;

/**
 * Last 60 minutes, one slot per minute: grey bars = calls, line = p95
 * latency on a log scale (1 ms .. 10 min). Numbers only go into attributes.
 */
export function LatencyChart({ points, nowMinute }: { points: ChartPoint[]; nowMinute: number }) {
  const maxCalls = Math.max(1, ...points.map((p) => p.calls));
  const slotW = W / 60;
  const y = (v: number) => {
    const t = Math.log10(Math.max(1, v)) / Math.log10(600_000);
    return (H - 2 - t * (H - 4)).toFixed(1);
  };
  const inWindow = points.filter((p) => nowMinute - p.minute < 60 && nowMinute - p.minute >= 0);
  const x = (p: ChartPoint) => (59 - (nowMinute - p.minute)) * slotW;
  const line = inWindow.filter((p) => p.p95Ms !== null).map((p) => `${(x(p) + slotW / 2).toFixed(1)},${y(p.p95Ms!)}`);
  const peak = Math.max(0, ...inWindow.map((p) => p.p95Ms ?? 0));
  const label = inWindow.length ? `Last hour: ${inWindow.reduce((a, p) => a + p.calls, 0)} calls, highest per-minute p95 ${ms(peak)}` : "No calls in the last hour";
  return (
    <svg class="tool-chart" width={String(W)} height={String(H)} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="tool-chart">
      <title safe>{label}</title>
      <line x1="0" y1={String(H - 0.5)} x2={String(W)} y2={String(H - 0.5)} stroke="#cbd5e1" stroke-width="1" />
      {inWindow.map((p) => {
        const h = Math.max(1, (p.calls / maxCalls) * (H - 4));
        return <rect x={x(p).toFixed(1)} y={(H - h).toFixed(1)} width={Math.max(1, slotW - 0.4).toFixed(1)} height={h.toFixed(1)} fill="#cbd5e1" />;
      })}
      {line.length > 1 ? <polyline points={line.join(" ")} fill="none" stroke="#4f46e5" stroke-width="1.5" /> : ""}
      {line.length === 1 ? <circle cx={line[0]!.split(",")[0]!} cy={line[0]!.split(",")[1]!} r="1.8" fill="#4f46e5" /> : ""}
    </svg>
  );
}

const nb = (t: string) => t.replace(/ /g, "\u00a0");

function Cells({ w, which }: { w: WindowStats; which: string }) {
  return (
    <>
      <td class="num" data-col={`${which}-calls`} safe>{String(w.calls)}</td>
      <td class="num" data-col={`${which}-errors`} title={`error ${w.error}, denied ${w.denied}, canceled ${w.canceled}, timeout ${w.timeout}`} safe>
        {pct(w)}
      </td>
      <td class="num" data-col={`${which}-p50`} safe>{nb(ms(w.p50Ms))}</td>
      <td class="num" data-col={`${which}-p95`} safe>{nb(ms(w.p95Ms))}</td>
      <td class="num" data-col={`${which}-p99`} safe>{nb(ms(w.p99Ms))}</td>
    </>
  );
}

/** Two rows per tool: the last hour and everything retained; the name, in-flight count and chart span both. */
function ToolRows({ t, nowMinute, retentionDays }: { t: ToolStats; nowMinute: number; retentionDays: number }) {
  return (
    <>
      <tr data-tool={t.tool}>
        <td rowspan="2" class="tool-cell">
          <code safe>{t.tool}</code>
          <span class="muted small" data-col="inflight" title="Calls running now">{t.inflight ? ` ${t.inflight} running` : ""}</span>
          <LatencyChart points={t.chart ?? []} nowMinute={nowMinute} />
        </td>
        <th scope="row" class="window">1 h</th>
        <Cells w={t.lastHour} which="hour" />
      </tr>
      <tr data-tool={t.tool}>
        <th scope="row" class="window" safe>{`${retentionDays} d`}</th>
        <Cells w={t.retained} which="retained" />
      </tr>
    </>
  );
}

/** The card's content; `stats` null when metrics are unavailable. */
export function ToolStatsCard({ agentId, stats, retentionDays, now }: { agentId: string; stats: AgentStats | null; retentionDays: number; now: number }) {
  const nowMinute = Math.floor(now / 60_000);
  const denials = stats ? Object.entries(stats.denials).filter(([, n]) => n > 0) : [];
  return (
    <section class="card tool-stats" data-tool-stats={agentId} data-testid="tool-stats">
      <h2 class="card-title">Tool calls</h2>
      <div class="card-body">
        {stats ? (
          <p class="muted" data-testid="tool-stats-summary">
            <span safe>{`Uptime ${duration(stats.uptimeSeconds)} · restarts ${stats.restarts} (${stats.restartsTotal} since the daemon started) · crashes ${stats.crashesTotal}`}</span>
            {stats.heartbeatAgeSeconds !== null ? <span safe>{` · last frame ${stats.heartbeatAgeSeconds} s ago`}</span> : ""}
            {denials.length ? <span safe>{` · denied: ${denials.map(([c, n]) => `${c.replace(/_/g, " ")} ${n}`).join(", ")}`}</span> : ""}
          </p>
        ) : (
          ""
        )}
        {!stats || stats.tools.length === 0 ? (
          <p class="muted" data-testid="tool-stats-empty">No tool calls recorded yet.</p>
        ) : (
          <div class="tool-stats-scroll">
            <table class="table compact" data-testid="tool-stats-table">
              <thead>
                <tr>
                  <th scope="col" title="Chart, per minute over the last hour: bars = calls, line = p95 latency (log scale)">Tool</th>
                  <th scope="col" title={`Last hour, and everything retained (${retentionDays} days)`}>Window</th>
                  <th scope="col" class="num">Calls</th>
                  <th scope="col" class="num" title="Share of calls not ok: error, denied, canceled, timeout">Errors</th>
                  <th scope="col" class="num">p50</th>
                  <th scope="col" class="num">p95</th>
                  <th scope="col" class="num">p99</th>
                </tr>
              </thead>
              <tbody>
                {stats.tools.map((t) => (
                  <ToolRows t={t} nowMinute={nowMinute} retentionDays={retentionDays} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p class="muted small">Percentiles are estimated within fixed latency buckets; they survive daemon restarts (per-minute rollups).</p>
      </div>
    </section>
  );
}
