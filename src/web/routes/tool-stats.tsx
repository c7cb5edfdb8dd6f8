/** GET /agents/:id/tool-stats: the agent page's tool metrics card alone (assets/tool-stats.js swaps it in). */
import { Elysia } from "elysia";
import type { HttpDeps } from "../../api/context.ts";
import { agentIdParamSchema } from "../../api/schemas.ts";
import { statsOf } from "../../core/metrics/read.ts";
import { ToolStatsCard } from "../components/tool-stats.tsx";
import { htmlResponse } from "../render.ts";

/** The card's data for one agent (also used by the agent page's first render). */
export function agentToolStats(deps: Pick<HttpDeps, "services">, agentId: string) {
  const now = deps.services.clock.now();
  const report = statsOf(deps.services.metrics, now, agentId);
  return { agentId, stats: report.agents[0] ?? null, retentionDays: report.retentionDays, now };
}

export const toolStatsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "web.tool-stats" }).get("/agents/:id/tool-stats", ({ params }) => htmlResponse(<ToolStatsCard {...agentToolStats(deps, params.id)} />), { params: agentIdParamSchema });
