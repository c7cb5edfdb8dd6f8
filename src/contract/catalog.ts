/** Catalog answers: agent listings, search pages, one agent's detail, discovery reports, audit pages. */
import { z } from "zod";
import { ACTORS, OUTCOMES } from "../db/schema.ts";
import { AGENT_STATUS_VALUES, type AgentStatus } from "../core/catalog/types.ts";

const source = z.enum(["local", "remote"]);
export const agentStatusSchema = z.enum(AGENT_STATUS_VALUES as [AgentStatus, ...AgentStatus[]]);
const problem = z.object({ path: z.string(), message: z.string() });
const record = z.record(z.string(), z.unknown());

export const agentSummarySchema = z.object({
  key: z.string(),
  id: z.string().nullable(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  source,
  registry: z.string().nullable(),
  status: agentStatusSchema,
  enabled: z.boolean(),
  verification: z.string().nullable(),
  trustScore: z.number().nullable(),
  deprecated: z.boolean(),
  replacementId: z.string().nullable(),
  yanked: z.string().nullable(),
  quarantine: z.string().nullable(),
  capabilities: z.array(z.string()),
  integrationPoints: z.array(z.string()),
  path: z.string().nullable(),
  duplicateOf: z.string().nullable(),
  errors: z.array(problem),
});

/** `total` is a lower bound when `totalCapped` (the count stops early on big result sets; show it as "1,000+"). */
export const searchPageSchema = z.object({ total: z.number(), totalCapped: z.boolean(), limit: z.number(), offset: z.number(), agents: z.array(agentSummarySchema) });

export const installInfoSchema = z.object({
  source,
  registry: z.string().nullable(),
  gitUrl: z.string().nullable(),
  ref: z.string().nullable(),
  commit: z.string().nullable(),
  installPath: z.string(),
  state: z.enum(["installing", "installed", "install_failed"]),
  enabled: z.boolean(),
  devMode: z.boolean(),
  buildLogPath: z.string().nullable(),
  lastError: z.string().nullable(),
  installedAt: z.string(),
  updatedAt: z.string(),
  quarantine: z.object({ reason: z.string(), at: z.string().nullable(), overriddenAt: z.string().nullable() }).nullable(),
});

export const agentDetailSchema = agentSummarySchema.extend({
  manifest: record.nullable(),
  permissionsRequested: z.array(z.string()),
  approvals: z.array(z.object({ permission: z.string(), approvedAt: z.string(), actor: z.string() })),
  install: installInfoSchema.nullable(),
  gitUrl: z.string().nullable(),
  ref: z.string().nullable(),
  pinnedCommit: z.string().nullable(),
  manifestSha256: z.string().nullable(),
  manifestMtimeMs: z.number().nullable(),
  publisher: record.nullable(),
  replacementId: z.string().nullable(),
  toolSummary: z.array(z.object({ name: z.string(), description: z.string() })),
  keywords: z.array(z.string()),
  otherListings: z.array(z.object({ key: z.string(), source, registry: z.string().nullable(), status: agentStatusSchema, path: z.string().nullable() })),
  firstSeenAt: z.string(),
  updatedAt: z.string(),
});

export const discoveryReportSchema = z.object({
  roots: z.array(z.string()),
  dirsVisited: z.number(),
  found: z.number(),
  added: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.number(),
  missing: z.array(z.string()),
  invalid: z.array(z.object({ path: z.string(), problems: z.array(problem) })),
  duplicates: z.array(z.object({ id: z.string(), paths: z.array(z.string()) })),
  problems: z.array(z.object({ path: z.string(), problem: z.string() })),
  durationMs: z.number(),
});

export const auditEventSchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.enum(ACTORS),
  action: z.string(),
  agentId: z.string().nullable(),
  outcome: z.enum(OUTCOMES),
  requestId: z.string().nullable(),
  correlationId: z.string().nullable(),
  details: record,
});

export const auditPageSchema = z.object({ events: z.array(auditEventSchema), next_before: z.number().nullable() });

/** GET /agents/:id/resolve: the full id a short name stands for (issue 17). */
export const agentResolutionSchema = z.object({ id: z.string() });
