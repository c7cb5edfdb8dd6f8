/**
 * Adapter helpers around the request schemas (src/contract/requests.ts, which
 * this module re-exports for the routes and pages): query → service filter
 * conversions and validation at edges that are not Elysia route options.
 */
import { parseSince } from "../core/audit/audit-log.ts";
import { AppError } from "../core/errors.ts";
import type { AuditFilter } from "../core/audit/audit-log.ts";
import type { SearchFilter } from "../core/search/search.ts";
import { isRuntimeFilter, type RuntimeFilter } from "../core/search/runtime-filter.ts";
import type { z } from "zod";
import type { AgentQuery, AuditQuery } from "../contract/requests.ts";

export * from "../contract/requests.ts";

/** `status` may name a runtime state (running, stopped, crashed): that becomes `runtime` (see searchWithRuntime). */
export function toSearchFilter(q: AgentQuery, defaultLimit = 50): SearchFilter & { runtime?: RuntimeFilter } {
  return {
    query: q.q,
    capability: q.capability,
    integration: q.integration,
    ...(isRuntimeFilter(q.status) ? { runtime: q.status } : { status: q.status }),
    verification: q.verification,
    minTrust: q["min-trust"],
    source: q.source,
    limit: q.limit ?? defaultLimit,
    offset: q.offset ?? 0,
  };
}

/** Resolves `since` (ISO or `30m`/`2h`/`7d`) against the service clock. */
export function toAuditFilter(q: AuditQuery, now: number, defaultLimit = 50): AuditFilter {
  const since = q.since === undefined ? undefined : parseSince(q.since, now);
  if (since === null) throw new AppError("invalid_argument", `since: must be an ISO time or an age like 30m, 2h, 7d; got ${JSON.stringify(q.since)}`);
  return { agentId: q.agent, action: q.action, since, correlationId: q.correlation, beforeId: q.before, limit: q.limit ?? defaultLimit };
}

/** Validates with a schema at an edge that is not an Elysia route option. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? `${issue.path.map(String).join(".")}: ` : "";
  throw new AppError("invalid_argument", `${path}${issue?.message ?? "invalid"}`);
}

