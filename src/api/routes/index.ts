/**
 * The JSON API, mounted under /api/v1. One plugin per resource.
 *
 * Adding a resource (registry, install, enable, run, tools, chat …):
 *   1. write `routes/<resource>.ts` exporting `(deps: HttpDeps) => new Elysia({ prefix: "/<resource>" })`;
 *      handlers validate input with zod schemas (route options `query`/`body`/`params`),
 *      call ONE service function, and return its result;
 *   2. add it to API_ROUTES below.
 * Authentication, CSRF/Origin checks, security headers and the error → status
 * mapping are applied globally (auth/request-guard.ts, errors.ts): a new route is
 * private by default and must never repeat those checks. Use `actorOf(request)`
 * for the audit actor and throw AppError for failures.
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "../context.ts";
import { agentsRoutes } from "./agents.ts";
import { auditRoutes } from "./audit.ts";
import { chatRoutes } from "./chat.ts";
import { runtimeRoutes } from "./runtime.ts";
import { toolsRoutes } from "./tools.ts";
import { authRoutes } from "./auth.ts";
import { discoveryRoutes } from "./discovery.ts";
import { systemRoutes } from "./system.ts";
import { installsRoutes } from "./installs.ts";
import { operationsRoutes } from "./operations.ts";
import { registriesRoutes } from "./registries.ts";
import { clientTokensRoutes } from "./client-tokens.ts";
import { mcpRoutes } from "./mcp.ts";
import { trustRoutes } from "./trust.ts";
import { metricsRoutes } from "./metrics.ts";

export const API_ROUTES = [systemRoutes, authRoutes, agentsRoutes, auditRoutes, discoveryRoutes, runtimeRoutes, toolsRoutes, chatRoutes, registriesRoutes, installsRoutes, operationsRoutes, clientTokensRoutes, mcpRoutes, metricsRoutes, trustRoutes] as const;

export const apiV1 = (deps: HttpDeps) => {
  const api = new Elysia({ name: "api.v1", prefix: "/api/v1" });
  for (const routes of API_ROUTES) api.use(routes(deps));
  return api;
};
