/** GET /api/v1/audit: newest first; page with `before` = the last id seen (`next_before`). */
import { Elysia } from "elysia";
import type { HttpDeps } from "../context.ts";
import { auditQuerySchema, toAuditFilter } from "../schemas.ts";

export const auditRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.audit", prefix: "/audit" }).get(
    "/",
    ({ query }) => {
      const filter = toAuditFilter(query, deps.services.clock.now());
      const events = deps.services.audit.query(filter);
      return { events, next_before: events.length === filter.limit ? (events.at(-1)?.id ?? null) : null };
    },
    { query: auditQuerySchema },
  );
