/**
 * Registry repository format v1 (docs: design/manifest-and-registry.md):
 *   registry.json           {"registry_version": 1, "name": "...", "description": "..."}
 *   agents/<agent_id>.json  one entry per agent
 * Entries are data only. Verification, trust score, deprecation and publisher
 * come from here (never from a manifest) and are shown as informational.
 */
import { z } from "zod";
import { refSchema } from "../git/refs.ts";
import { agentIdSchema, gitUrlSchema } from "../manifest/schema.ts";

export const REGISTRY_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Default of `limits.max_registry_entries`. */
export const MAX_REGISTRY_ENTRIES = 50_000;

const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const str = (max: number) => z.string().max(max).refine((s) => !CONTROL_RE.test(s), "must not contain control characters");
const word = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.:-]*$/, "lowercase word (a-z, 0-9, _ . : -)");
const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u), "must be an http(s) URL");

/** A path inside the agent repository: relative, no `..`, no control characters. */
export const repoPathSchema = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (p) => !p.startsWith("/") && !p.startsWith("-") && !CONTROL_RE.test(p) && !p.split("/").some((s) => s === ".." || s === "." || s === ""),
    "must be a relative path inside the repository (no '..', no leading '/')",
  );

export const registryFileSchema = z.looseObject({
  registry_version: z.literal(1, "must be 1"),
  name: str(128).min(1),
  description: str(4096).default(""),
});
export type RegistryFile = z.infer<typeof registryFileSchema>;

export const registryEntrySchema = z.looseObject({
  id: agentIdSchema,
  git_url: gitUrlSchema,
  default_ref: refSchema.default("HEAD"),
  commit: z.string().regex(/^[0-9a-f]{40}$/, "must be a full 40-hex commit id").nullish(),
  manifest_path: repoPathSchema.default("opensentience.agent.json"),
  /** A copy of the manifest for display before install; validated with the manifest schema. */
  manifest: z.record(z.string(), z.unknown()),
  publisher: z.object({ name: str(128).min(1), url: httpUrl.optional() }).nullish(),
  verification: z
    .object({
      level: word,
      issuer: str(256).optional(),
      issued_at: str(64).optional(),
      evidence_url: httpUrl.optional(),
    })
    .nullish(),
  trust_score: z.number().min(0).max(1).nullish(),
  deprecated: z.boolean().default(false),
  replacement_id: agentIdSchema.nullish(),
  /** Withdrawn by the registry: installed copies are stopped and quarantined at sync (see yanks.ts). */
  yanked: z
    .union([z.literal(false), z.strictObject({ reason: str(512).min(1, "must say why") })])
    .nullish()
    .transform((y) => (y ? y : null)),
  keywords: z.array(str(64).min(1)).max(32).default([]),
  integration_points: z.array(word).max(32).default([]),
});
export type RegistryEntry = z.infer<typeof registryEntrySchema>;
