/**
 * Metrics over HTTP (issue 15):
 *   GET /api/v1/stats[?agent=ID]  the per-agent, per-tool table (JSON; CLI `stats`, agent page)
 *   GET /api/v1/metrics           Prometheus text
 *   GET /metrics                  the same text at the conventional scrape path
 * Who may read them is decided by the request guard (auth/metrics-guard.ts):
 * the admin token, or a client token with the `metrics` scope; never anonymous.
 */
import { Elysia } from "elysia";
import { AppError } from "../../core/errors.ts";
import { metricsTextOf, statsOf } from "../../core/metrics/read.ts";
import { statsQuerySchema } from "../../contract/metrics.ts";
import type { HttpDeps } from "../context.ts";

export const METRICS_PATH = "/metrics";

/** With config `metrics.enabled: false` nothing is counted, so nothing is served: a 404 that says why. */
function requireMetrics(deps: HttpDeps): void {
  if (!deps.services.config.metrics.enabled) throw new AppError("not_found", "metrics are turned off in config.json (metrics.enabled: false)");
}

const prometheusResponse = (deps: HttpDeps) => {
  requireMetrics(deps);
  const { body, contentType } = metricsTextOf(deps.services.metrics, deps.services.clock.now());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
};

/** Under /api/v1. */
export const metricsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.metrics" })
    .get(
      "/stats",
      ({ query }) => {
        requireMetrics(deps);
        return statsOf(deps.services.metrics, deps.services.clock.now(), query.agent);
      },
      { query: statsQuerySchema },
    )
    .get("/metrics", () => prometheusResponse(deps));

/** At the root: where Prometheus scrapes by default. */
export const metricsEndpoint = (deps: HttpDeps) => new Elysia({ name: "metrics" }).get(METRICS_PATH, () => prometheusResponse(deps));

