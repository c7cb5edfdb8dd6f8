/** Install, update, uninstall plans and results; approvals (enable, disable, revoke). */
import { z } from "zod";
import { surfaceDiffSchema } from "./trust.ts";

const source = z.enum(["local", "remote"]);
const strings = z.array(z.string());
const diff = z.object({ added: strings, removed: strings });
const env = z.record(z.string(), z.string());

export const installPlanSchema = z.object({
  agentId: z.string(),
  source,
  registry: z.string().nullable(),
  gitUrl: z.string().nullable(),
  ref: z.string().nullable(),
  pinnedCommit: z.string().nullable(),
  buildDirectory: z.string(),
  installPath: z.string(),
  commands: strings,
  env,
  permissionsRequested: strings,
  /** The commit the ref names at the source when the plan was made (git ls-remote); null for a local checkout or an unreachable source. */
  headCommit: z.string().nullable(),
  commit: z.string().nullable(),
  permissionDiff: diff.nullable(),
  rebuild: z.boolean(),
  warnings: strings,
});

export const installResultSchema = z.object({
  agentId: z.string(),
  state: z.literal("installed"),
  source,
  registry: z.string().nullable(),
  gitUrl: z.string().nullable(),
  ref: z.string().nullable(),
  commit: z.string().nullable(),
  installPath: z.string(),
  devMode: z.boolean(),
  buildLogPath: z.string(),
  permissionsRequested: strings,
  permissionDiff: diff.nullable(),
  enabled: z.boolean(),
  /** How the build was confined; `warning` when it ran without the sandbox under `sandbox: auto`. */
  buildSandbox: z.object({ sandboxed: z.boolean(), warning: z.string().nullable() }),
  correlationId: z.string(),
  durationMs: z.number(),
});

export const updatePlanSchema = z.object({
  agentId: z.string(),
  registry: z.string().nullable(),
  gitUrl: z.string(),
  ref: z.string(),
  fromCommit: z.string().nullable(),
  toCommit: z.string(),
  pinnedCommit: z.string().nullable(),
  upToDate: z.boolean(),
  historyRewritten: z.boolean(),
  commits: z.array(z.object({ sha: z.string(), subject: z.string() })),
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  permissions: diff,
  escalation: strings,
  buildDirectory: z.string(),
  installPath: z.string(),
  commands: strings,
  env,
  warnings: strings,
});

export const updateResultSchema = z.object({
  agentId: z.string(),
  upToDate: z.boolean(),
  fromCommit: z.string().nullable(),
  toCommit: z.string(),
  permissions: diff,
  escalation: strings,
  droppedApprovals: strings,
  enabled: z.boolean(),
  installPath: z.string(),
  buildLogPath: z.string(),
  correlationId: z.string(),
  durationMs: z.number(),
});

export const uninstallPlanSchema = z.object({ agentId: z.string(), source, installPath: z.string(), removes: strings });
export const uninstallResultSchema = z.object({ agentId: z.string(), removed: strings, correlationId: z.string() });

export const approvalStateSchema = z.object({ agentId: z.string(), enabled: z.boolean(), requested: strings, approved: strings, notApproved: strings });
export const enableResultSchema = approvalStateSchema.extend({ newlyApproved: strings, toolSurfaceApproved: surfaceDiffSchema.nullable().optional() });
export const disableResultSchema = approvalStateSchema.extend({ wasEnabled: z.boolean() });
export const revokeResultSchema = approvalStateSchema.extend({ revoked: z.string() });
