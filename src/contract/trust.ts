/** Trust lifecycle answers (issue 16): the pinned tool surface and its pending change, and `agents test` results. */
import { z } from "zod";

const surfaceField = z.enum(["description", "input_schema", "output_schema", "permissions"]);

export const surfaceDiffSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.object({ name: z.string(), fields: z.array(surfaceField) })),
});

/** Why a registered tool is blocked (new or changed since the pinned surface). */
export const surfaceChangeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("added"), message: z.string() }),
  z.object({ kind: z.literal("changed"), fields: z.array(surfaceField), message: z.string() }),
]);

const surfaceToolSchema = z.object({
  name: z.string(),
  description: z.string(),
  input_schema: z.unknown(),
  output_schema: z.unknown(),
  permissions: z.array(z.string()),
});

export const pinnedSurfaceSchema = z.object({
  agentId: z.string(),
  source: z.enum(["manifest", "registered"]),
  hash: z.string(),
  pinnedAt: z.string(),
  pinnedBy: z.string(),
  tools: z.array(surfaceToolSchema),
  pending: z.object({ hash: z.string(), since: z.string(), tools: z.array(surfaceToolSchema), diff: surfaceDiffSchema }).nullable(),
});

export const toolSummaryCheckSchema = z.object({
  status: z.enum(["matches", "mismatch", "unchecked"]),
  missing: z.array(z.string()),
  extra: z.array(z.string()),
  message: z.string(),
});

export const agentTestRunSchema = z.object({
  agentId: z.string(),
  outcome: z.enum(["passed", "failed", "error", "timeout"]),
  tests: z.number().nullable(),
  failures: z.number().nullable(),
  skipped: z.number().nullable(),
  durationMs: z.number(),
  version: z.string(),
  commitSha: z.string().nullable(),
  sandboxed: z.boolean(),
  logTail: z.array(z.string()),
  actor: z.string(),
  ranAt: z.string(),
  toolCheck: toolSummaryCheckSchema.nullable(),
});

export const agentTestPlanSchema = z.object({
  agentId: z.string(),
  version: z.string(),
  commitSha: z.string().nullable(),
  installPath: z.string(),
  workDirectory: z.string(),
  commands: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  timeoutMs: z.number(),
  sandboxPolicy: z.enum(["required", "auto", "off"]),
});

/** `GET /agents/:id/trust`: local trust facts (not the registry's verification level). */
export const agentTrustSchema = z.object({
  agentId: z.string(),
  toolSurface: pinnedSurfaceSchema.nullable(),
  lastTest: agentTestRunSchema.nullable(),
  installedCommit: z.string().nullable(),
});
