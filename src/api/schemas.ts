/**
 * Request schemas shared by the JSON API and the web pages (both take the
 * same filters as the CLI, under the same names). Empty form fields count as
 * absent so a GET form with blank inputs means "no filter".
 */
import { z } from "zod";
import { parseSince } from "../core/audit/audit-log.ts";
import { AGENT_STATUS_VALUES, type AgentStatus } from "../core/catalog/types.ts";
import { AppError } from "../core/errors.ts";
import type { AuditFilter } from "../core/audit/audit-log.ts";
import type { SearchFilter } from "../core/search/search.ts";

const dropEmpty = (v: unknown) =>
  v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== "" && x !== undefined)) : v;

const text = (max: number) => z.string().max(max);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Strict object after dropping empty fields: what every query-string schema here is built from. */
export function queryObject<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess(dropEmpty, z.object(shape).strict());
}

/** The CLI's agent filters (`agents list/search`), same names. */
export const agentFilterShape = {
  q: text(512).optional(),
  capability: text(64).optional(),
  integration: text(64).optional(),
  status: z.enum(AGENT_STATUS_VALUES as [AgentStatus, ...AgentStatus[]]).optional(),
  verification: text(64).optional(),
  "min-trust": z.coerce.number().min(0).max(1).optional(),
  source: z.enum(["local", "remote"]).optional(),
  limit: int(1, 1000).optional(),
  offset: int(0, 100_000_000).optional(),
};

export const agentQuerySchema = queryObject(agentFilterShape);
export type AgentQuery = z.infer<typeof agentQuerySchema>;

export function toSearchFilter(q: AgentQuery, defaultLimit = 50): SearchFilter {
  return {
    query: q.q,
    capability: q.capability,
    integration: q.integration,
    status: q.status,
    verification: q.verification,
    minTrust: q["min-trust"],
    source: q.source,
    limit: q.limit ?? defaultLimit,
    offset: q.offset ?? 0,
  };
}

export const auditFilterShape = {
  agent: text(256).optional(),
  action: text(128).optional(),
  since: text(64).optional(),
  correlation: text(128).optional(),
  before: int(1, Number.MAX_SAFE_INTEGER).optional(),
  limit: int(1, 1000).optional(),
};
export const auditQuerySchema = queryObject(auditFilterShape);
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** Resolves `since` (ISO or `30m`/`2h`/`7d`) against the service clock. */
export function toAuditFilter(q: AuditQuery, now: number, defaultLimit = 50): AuditFilter {
  const since = q.since === undefined ? undefined : parseSince(q.since, now);
  if (since === null) throw new AppError("invalid_argument", `since: must be an ISO time or an age like 30m, 2h, 7d; got ${JSON.stringify(q.since)}`);
  return { agentId: q.agent, action: q.action, since, correlationId: q.correlation, beforeId: q.before, limit: q.limit ?? defaultLimit };
}

export const discoveryBodySchema = z
  .object({ paths: z.array(z.string().min(1).max(4096)).max(64).optional() })
  .strict()
  .optional();

/** Path parameter for an agent id or listing key (keys look like `local:/path`). */
export const agentIdParamSchema = z.object({ id: z.string().min(1).max(4200) });

/** Validates with a schema at an edge that is not an Elysia route option. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? `${issue.path.map(String).join(".")}: ` : "";
  throw new AppError("invalid_argument", `${path}${issue?.message ?? "invalid"}`);
}

/** `POST /api/v1/registries` (and the registries page form, which adds `_csrf`). */
export const registryAddShape = {
  name: z.string().min(1).max(64),
  git_url: z.string().min(1).max(4096),
  ref: z.string().min(1).max(256).optional(),
};
export const registryAddSchema = z.object(registryAddShape).strict();
export const registryNameParamSchema = z.object({ name: z.string().min(1).max(64) });
export const registrySyncSchema = z.object({ force: z.boolean().optional() }).strict().optional();

/** Which listing an install uses: the CLI's `--ref`, `--registry`, `--local`. */
export const installSelectShape = {
  ref: z.string().min(1).max(256).optional(),
  registry: z.string().min(1).max(64).optional(),
  local: z.boolean().optional(),
};
export const installPlanQuerySchema = queryObject({
  ref: installSelectShape.ref,
  registry: installSelectShape.registry,
  local: z.enum(["1", "true", "0", "false"]).optional(),
});
export const installBodySchema = z.object({ ...installSelectShape, confirm: z.boolean().optional() }).strict();
/** 40-hex commit the client reviewed (from the update plan's `toCommit`). */
export const updateBodySchema = z
  .object({ confirm: z.boolean().optional(), expect_commit: z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-hex commit id").optional() })
  .strict();

const permission = z.string().min(1).max(512);
/** A subset of the requested permissions, or all of them. */
export const enableBodySchema = z.object({ approve: z.array(permission).max(256).optional(), approve_all: z.boolean().optional() }).strict().optional();
export const revokeBodySchema = z.object({ permission }).strict();
export const confirmBodySchema = z.object({ confirm: z.boolean().optional() }).strict().optional();
