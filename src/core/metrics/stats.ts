/**
 * The stats the CLI (`opensentience stats`), the API (GET /api/v1/stats) and
 * the agent page show: per agent, per tool calls, error rate and p50/p95/p99
 * over the last hour and over everything retained (both read from the
 * per-minute rollups, so they survive a daemon restart), plus restarts,
 * crashes, uptime and traffic. Works with or without a running daemon (the
 * CLI reads the rollups directly when none runs).
 */
import type { RuntimeStatus } from "../runtime/runtime-status.ts";
import { quantileMs } from "./histogram.ts";
import type { Metrics } from "./metrics.ts";
import type { RollupSum } from "./rollups.ts";
import { DENIAL_CATEGORIES, type DenialCategory } from "./series.ts";

export interface WindowStats {
  calls: number;
  ok: number;
  error: number;
  denied: number;
  canceled: number;
  timeout: number;
  /** Share of calls that did not end ok (error, denied, canceled, timeout); null without calls. */
  errorRate: number | null;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface ChartPoint {
  /** Unix time in minutes. */
  minute: number;
  calls: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface ToolStats {
  tool: string;
  inflight: number;
  lastHour: WindowStats;
  retained: WindowStats;
  /** Per-minute calls and latency over the last hour (only when one agent is asked for). */
  chart: ChartPoint[] | null;
}

export interface AgentStats {
  agentId: string;
  state: RuntimeStatus["state"];
  /** The supervisor's current restart counter (reset after a healthy while or a manual start). */
  restarts: number;
  /** Since the daemon started. */
  restartsTotal: number;
  crashesTotal: number;
  startedAt: string | null;
  uptimeSeconds: number | null;
  heartbeatAgeSeconds: number | null;
  frames: { in: number; out: number };
  bytes: { in: number; out: number };
  denials: Record<DenialCategory, number>;
  tools: ToolStats[];
}

export interface StatsReport {
  generatedAt: string;
  /** Whether a daemon produced this (live counters, in-flight, uptime) or the CLI read the rollups alone. */
  live: boolean;
  retentionDays: number;
  agents: AgentStats[];
}

export function windowStats(outcomes: readonly number[], buckets: readonly number[], sumMs: number): WindowStats {
  const calls = outcomes.reduce((a, b) => a + b, 0);
  const [ok = 0, error = 0, denied = 0, canceled = 0, timeout = 0] = outcomes;
  const r = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    calls,
    ok,
    error,
    denied,
    canceled,
    timeout,
    errorRate: calls ? (calls - ok) / calls : null,
    meanMs: calls ? r(sumMs / calls) : null,
    p50Ms: r(quantileMs(buckets, 0.5)),
    p95Ms: r(quantileMs(buckets, 0.95)),
    p99Ms: r(quantileMs(buckets, 0.99)),
  };
}

const EMPTY = windowStats([0, 0, 0, 0, 0], [], 0);
const key = (s: { agentId: string; tool: string }) => `${s.agentId}/${s.tool}`;

/** Builds the report; with `agentId`, only that agent (and its latency chart). */
export function buildStats(m: Metrics, now: number, live: boolean, agentId?: string): StatsReport {
  m.flush();
  const nowMinute = Math.floor(now / 60_000);
  const hour = new Map(m.rollups.sums(nowMinute - 59, agentId).map((s) => [key(s), s]));
  const retained = m.rollups.sums(nowMinute - m.retentionDays * 1440, agentId);
  const chartRows = agentId !== undefined ? m.rollups.minutes(nowMinute - 59, agentId) : [];
  const inflight = new Map(m.toolSeries().map((s) => [key(s), s.inflight]));
  const statuses = new Map((live ? (m.runtime?.statuses() ?? []) : []).map((s) => [s.agentId, s]));

  const byAgent = new Map<string, RollupSum[]>();
  for (const s of retained) (byAgent.get(s.agentId) ?? byAgent.set(s.agentId, []).get(s.agentId)!).push(s);
  const ids = new Set([...byAgent.keys(), ...statuses.keys(), ...(live ? m.agentSeries().map((a) => a.agentId) : [])]);
  if (agentId !== undefined) for (const id of [...ids]) if (id !== agentId) ids.delete(id);
  if (agentId !== undefined) ids.add(agentId);

  const agents = [...ids].sort().map((id): AgentStats => {
    const st = statuses.get(id);
    const a = live ? m.agentSeries().find((x) => x.agentId === id) : undefined;
    const t = live ? m.traffic(id) : { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };
    const running = st?.state === "running";
    return {
      agentId: id,
      state: st?.state ?? "stopped",
      restarts: st?.restarts ?? 0,
      restartsTotal: a?.restarts ?? 0,
      crashesTotal: a?.crashes ?? 0,
      startedAt: running ? (st?.startedAt ?? null) : null,
      uptimeSeconds: running && st?.startedAt ? Math.max(0, Math.round((now - Date.parse(st.startedAt)) / 1000)) : null,
      heartbeatAgeSeconds: st?.connected && st.lastHeartbeatAt ? Math.max(0, Math.round((now - Date.parse(st.lastHeartbeatAt)) / 100) / 10) : null,
      frames: { in: t.framesIn, out: t.framesOut },
      bytes: { in: t.bytesIn, out: t.bytesOut },
      denials: Object.fromEntries(DENIAL_CATEGORIES.map((c, i) => [c, a?.denials[i] ?? 0])) as Record<DenialCategory, number>,
      tools: (byAgent.get(id) ?? []).map((s): ToolStats => {
        const h = hour.get(key(s));
        return {
          tool: s.tool,
          inflight: inflight.get(key(s)) ?? 0,
          lastHour: h ? windowStats(h.outcomes, h.buckets, h.sumMs) : EMPTY,
          retained: windowStats(s.outcomes, s.buckets, s.sumMs),
          chart:
            agentId !== undefined
              ? chartRows
                  .filter((r) => r.tool === s.tool)
                  .map((r) => {
                    const w = windowStats(r.outcomes, r.buckets, r.sumMs);
                    return { minute: r.minute, calls: w.calls, p50Ms: w.p50Ms, p95Ms: w.p95Ms };
                  })
              : null,
        };
      }),
    };
  });
  return { generatedAt: new Date(now).toISOString(), live, retentionDays: m.retentionDays, agents };
}

