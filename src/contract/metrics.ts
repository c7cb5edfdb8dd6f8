/**
 * Metrics answers (issue 15): GET /api/v1/stats (the table `opensentience
 * stats` and the agent page show) and the Prometheus text at /metrics (also
 * GET /api/v1/metrics). Shapes: src/core/metrics/stats.ts.
 */
import { z } from "zod";
import { queryObject } from "./requests.ts";
import { DENIAL_CATEGORIES } from "../core/metrics/series.ts";

const ms = z.number().nonnegative().nullable();

export const windowStatsSchema = z.object({
  calls: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
  denied: z.number().int().nonnegative(),
  canceled: z.number().int().nonnegative(),
  timeout: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1).nullable(),
  meanMs: ms,
  p50Ms: ms,
  p95Ms: ms,
  p99Ms: ms,
});

export const toolStatsSchema = z.object({
  tool: z.string(),
  inflight: z.number().int(),
  lastHour: windowStatsSchema,
  retained: windowStatsSchema,
  chart: z.array(z.object({ minute: z.number().int(), calls: z.number().int().nonnegative(), p50Ms: ms, p95Ms: ms })).nullable(),
});

export const agentStatsSchema = z.object({
  agentId: z.string(),
  state: z.enum(["stopped", "starting", "running", "stopping", "backoff", "failed", "exited"]),
  restarts: z.number().int().nonnegative(),
  restartsTotal: z.number().int().nonnegative(),
  crashesTotal: z.number().int().nonnegative(),
  startedAt: z.string().nullable(),
  uptimeSeconds: z.number().nonnegative().nullable(),
  heartbeatAgeSeconds: z.number().nonnegative().nullable(),
  frames: z.object({ in: z.number().nonnegative(), out: z.number().nonnegative() }),
  bytes: z.object({ in: z.number().nonnegative(), out: z.number().nonnegative() }),
  denials: z.record(z.enum(DENIAL_CATEGORIES), z.number().nonnegative()),
  tools: z.array(toolStatsSchema),
});

export const statsReportSchema = z.object({
  generatedAt: z.string(),
  live: z.boolean(),
  retentionDays: z.number().positive(),
  agents: z.array(agentStatsSchema),
});

export const statsQuerySchema = queryObject({ agent: z.string().min(1).max(200).optional() });

/** The Prometheus text exposition (format 0.0.4). */
export const metricsTextSchema = z.string();
