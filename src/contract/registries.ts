/** Registry answers: info, sync results, removal. */
import { z } from "zod";

const entryError = z.object({ file: z.string(), message: z.string() });

export const registryInfoSchema = z.object({
  name: z.string(),
  gitUrl: z.string(),
  ref: z.string(),
  description: z.string(),
  addedAt: z.string(),
  lastSyncAt: z.string().nullable(),
  lastSyncStatus: z.enum(["ok", "partial", "failed"]).nullable(),
  lastCommit: z.string().nullable(),
  lastError: z.string().nullable(),
  entryErrors: z.array(entryError),
  agentCount: z.number(),
  requireSigned: z.boolean(),
  allowedSigners: z
    .object({
      path: z.string(),
      sha256: z.string(),
      signers: z.array(z.object({ principals: z.string(), keyType: z.string(), fingerprint: z.string() })),
      problem: z.string().nullable(),
    })
    .nullable(),
  signature: z.object({ status: z.enum(["verified", "refused"]), commit: z.string().nullable(), detail: z.string().nullable(), checkedAt: z.string().nullable() }).nullable(),
});
export const registryListSchema = z.object({ registries: z.array(registryInfoSchema) });

export const syncResultSchema = z.object({
  name: z.string(),
  commit: z.string(),
  previousCommit: z.string().nullable(),
  status: z.enum(["ok", "partial"]),
  added: z.array(z.string()),
  updated: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.number(),
  errors: z.array(entryError),
  historyRewritten: z.boolean(),
  forced: z.boolean(),
  durationMs: z.number(),
  signature: z.string().nullable(),
  quarantined: z.array(z.string()),
  released: z.array(z.string()),
});

/** One registry's outcome in "sync all": a result or the error that stopped it. */
export const syncAllItemSchema = z.object({
  name: z.string(),
  result: syncResultSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export const syncAllResultSchema = z.array(syncAllItemSchema);

export const registryRemovedSchema = z.object({ name: z.string(), removedListings: z.number() });
