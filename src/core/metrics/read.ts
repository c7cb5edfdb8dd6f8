/** What the adapters (HTTP routes, CLI) call to read metrics: one function each. */
import type { Metrics } from "./metrics.ts";
import { exposition, PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { buildStats, type StatsReport } from "./stats.ts";

/** The daemon's live report (counters since start, rollups from the catalog). */
export function statsOf(m: Metrics, now: number, agentId?: string): StatsReport {
  return buildStats(m, now, true, agentId);
}

/** Without a daemon: the rollups in the catalog only (no in-flight, uptime or traffic). */
export function storedStatsOf(m: Metrics, now: number, agentId?: string): StatsReport {
  return buildStats(m, now, false, agentId);
}

export function metricsTextOf(m: Metrics, now: number): { body: string; contentType: string } {
  return { body: exposition(m, now), contentType: PROMETHEUS_CONTENT_TYPE };
}
