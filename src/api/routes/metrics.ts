/**
 * Metrics over HTTP (issue 15):
 *   GET /api/v1/stats[?agent=ID]  the per-agent, per-tool table (JSON; CLI `stats`, agent page)
 *   GET /api/v1/metrics           Prometheus text
 *   GET /metrics                  the same text at the conventional scrape path
 * Who may read them is decided by the request guard (auth/metrics-guard.ts):
 * the admin token, or a client token with the `metrics` scope; never anonymous.
 */
import { Elysia } from "elysia";
import { metricsTextOf, statsOf } from "../../core/metrics/read.ts";
import { statsQuerySchema } from "../../contract/metrics.ts";
import type { HttpDeps } from "../context.ts";

export const METRICS_PATH = "/metrics";

const prometheusResponse = (deps: HttpDeps) => {
  const { body, contentType } = metricsTextOf(deps.services.metrics, deps.services.clock.now());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
};

/** Under /api/v1. */
export const metricsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.metrics" })
    .get("/stats", ({ query }) => statsOf(deps.services.metrics, deps.services.clock.now(), query.agent), { query: statsQuerySchema })
    .get("/metrics", () => prometheusResponse(deps));

/** At the root: where Prometheus scrapes by default. */
export const metricsEndpoint = (deps: HttpDeps) => new Elysia({ name: "metrics" }).get(METRICS_PATH, () => prometheusResponse(deps));

/** Counts every response by route class and status (opensentience_http_requests_total). */
export function countingRequests(handle: (req: Request) => Promise<Response>, deps: Pick<HttpDeps, "services">): (req: Request) => Promise<Response> {
  return async (req) => {
    const res = await handle(req);
    deps.services.metrics.httpRequest(req.url, res.status);
    return res;
  };
}
