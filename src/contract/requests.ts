/**
 * Request schemas of the HTTP API, defined once: the API routes validate with
 * them, the web pages parse forms with them, and the typed client
 * (src/client) builds its requests from their types. Query strings take the
 * CLI's filter names. Empty form fields count as absent so a GET form with
 * blank inputs means "no filter".
 */
import { z } from "zod";
import { OPERATION_WAIT_MAX_S } from "./operations.ts";
import { AGENT_STATUS_VALUES, type AgentStatus } from "../core/catalog/types.ts";
import { RUNTIME_FILTER_VALUES, type RuntimeFilter } from "../core/search/runtime-filter.ts";

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
  /** A catalog status, or a runtime state as the daemon knows it (running, stopped, crashed: installed agents only). */
  status: z.enum([...AGENT_STATUS_VALUES, ...RUNTIME_FILTER_VALUES] as readonly string[] as [AgentStatus | RuntimeFilter, ...Array<AgentStatus | RuntimeFilter>]).optional(),
  verification: text(64).optional(),
  "min-trust": z.coerce.number().min(0).max(1).optional(),
  source: z.enum(["local", "remote"]).optional(),
  limit: int(1, 1000).optional(),
  offset: int(0, 100_000_000).optional(),
};

export const agentQuerySchema = queryObject(agentFilterShape);
export type AgentQuery = z.infer<typeof agentQuerySchema>;

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

export const discoveryBodySchema = z
  .object({ paths: z.array(z.string().min(1).max(4096)).max(64).optional() })
  .strict()
  .optional();

/** Path parameter for an agent id or listing key (keys look like `local:/path`). */
export const agentIdParamSchema = z.object({ id: z.string().min(1).max(4200) });

/** `POST /api/v1/registries` (and the registries page form, which adds `_csrf`). */
export const registryAddShape = {
  name: z.string().min(1).max(64),
  git_url: z.string().min(1).max(4096),
  ref: z.string().min(1).max(256).optional(),
  /** Signed registries: heads must be SSH-signed by a key in `allowed_signers` (the text of an allowed-signers file). */
  require_signed: z.boolean().optional(),
  allowed_signers: z.string().min(1).max(64 * 1024).optional(),
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
/** `expect_commit`: the plan's headCommit the user reviewed; the install refuses if the fetch gets another. */
export const installBodySchema = z.object({ ...installSelectShape, confirm: z.boolean().optional(), expect_commit: z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-hex commit id").optional() }).strict();
/** 40-hex commit the client reviewed (from the update plan's `toCommit`). */
export const updateBodySchema = z
  .object({ confirm: z.boolean().optional(), expect_commit: z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-hex commit id").optional() })
  .strict();

const permission = z.string().min(1).max(512);
/** A subset of the requested permissions, or all of them. */
export const enableBodySchema = z
  .object({ approve: z.array(permission).max(256).optional(), approve_all: z.boolean().optional(), override_yank: z.boolean().optional() })
  .strict()
  .optional();
export const revokeBodySchema = z.object({ permission }).strict();
export const confirmBodySchema = z.object({ confirm: z.boolean().optional() }).strict().optional();

/** `POST /api/v1/agents/:id/test` and `GET …/test-plan`: a deadline shorter than `limits.build_timeout_ms`. */
export const agentTestBodySchema = z.object({ confirm: z.boolean().optional(), timeout_ms: z.number().int().min(1).max(86_400_000).optional() }).strict();
export const agentTestPlanQuerySchema = queryObject({ timeout_ms: z.string().regex(/^[1-9][0-9]{0,7}$/, "must be a number of milliseconds").optional() });

/** `POST /api/v1/agents/:id/run` (and restart): `autostart: false` = run now, but not at the next daemon start. */
export const runBodySchema = z.object({ autostart: z.boolean().optional() }).strict().optional();

export const toolsQuerySchema = queryObject({ agent: z.string().max(200).optional() });

const clientTokenName = z.string().min(1).max(64);

/** An MCP client's call through `opensentience mcp`: audited as `mcp`, limited to the named client token's scope. */
export const mcpCallerSchema = z
  .object({
    token_name: clientTokenName.optional(),
    client: z.object({ name: z.string().max(200), version: z.string().max(100) }).strict().optional(),
  })
  .strict();

export const toolCallBodySchema = z
  .object({
    tool: z.string().min(3).max(200),
    arguments: z.unknown().default({}),
    timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
    stream: z.boolean().default(false),
    correlation_id: z.string().min(1).max(128).optional(),
    mcp: mcpCallerSchema.optional(),
  })
  .strict();

/** `GET /mcp/tools`: the tools as MCP clients see them, limited to a client token's scope when named. */
export const mcpToolsQuerySchema = queryObject({ token_name: clientTokenName.optional() });

/** `POST /client-tokens` (`opensentience token create NAME --tools ...`). */
export const clientTokenCreateSchema = z.object({ name: clientTokenName, tools: z.array(z.string().min(1).max(300)).min(1).max(64) }).strict();
export const clientTokenNameParamSchema = z.object({ name: clientTokenName });

export const logsQuerySchema = queryObject({
  tail: z.coerce.number().int().min(0).max(2000).optional(),
  follow: z.enum(["0", "1", "true", "false"]).optional(),
});

export const operationWaitQuerySchema = queryObject({ wait: z.coerce.number().min(0).max(OPERATION_WAIT_MAX_S).optional() });
export const operationIdParamSchema = z.object({ id: z.string().min(1).max(64) });
