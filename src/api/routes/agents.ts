/** GET /api/v1/agents (list + full-text search with the CLI's filters), GET /api/v1/agents/:id, GET /api/v1/agents/:id/resolve (short name → full id). */
import { Elysia } from "elysia";
import type { HttpDeps } from "../context.ts";
import { searchWithRuntime } from "../../core/search/runtime-filter.ts";
import { agentIdParamSchema, agentQuerySchema, toSearchFilter } from "../schemas.ts";

export const agentsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.agents", prefix: "/agents" })
    .get("/", ({ query }) => searchWithRuntime(deps.services.search, toSearchFilter(query), deps.runtime.statuses()), { query: agentQuerySchema })
    .get("/:id", ({ params }) => deps.services.catalog.get(params.id), { params: agentIdParamSchema })
    .get("/:id/resolve", ({ params }) => ({ id: deps.services.catalog.resolveAgentId(params.id) }), { params: agentIdParamSchema });
