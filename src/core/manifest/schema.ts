/**
 * Agent manifest v1 (`opensentience.agent.json`), exactly as the design baseline
 * defines it. Parsed as data only. Unknown top-level fields are kept for display
 * (`extra`) but never trusted; self-declared `verification`/`trust_score` are ignored.
 */
import { z } from "zod";
import { agentIdSchema } from "../../protocol/index.ts";
import { gitUrlProblem } from "../git/git-url.ts";
import { runtimeSettingsSchema } from "../runtime/beam-flags.ts";
import { permissionSchema, TOOL_NAME_RE } from "./permissions.ts";

export const MANIFEST_FILENAME = "opensentience.agent.json";
export const MAX_MANIFEST_BYTES = 262_144;

const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const MIX_TASK_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

const str = (max: number) =>
  z.string().max(max).refine((s) => !CONTROL_RE.test(s), "must not contain control characters");
const word = (max = 64) => z.string().min(1).max(max).regex(/^[a-z0-9][a-z0-9_.:-]*$/, "lowercase word (a-z, 0-9, _ . : -)");

/** Defined once, in the wire protocol (src/protocol/message-fields.ts). */
export { agentIdSchema };

/** Defined once, with the git module (src/core/git/git-url.ts). */
export { gitUrlProblem };

export const gitUrlSchema = z.string().superRefine((s, ctx) => {
  const p = gitUrlProblem(s);
  if (p) ctx.addIssue({ code: "custom", message: p });
});

const entrypointSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("mix"),
    task: z.string().max(128).regex(MIX_TASK_RE, "a mix task name like opensentience.agent").default("opensentience.agent"),
    args: z.array(str(1024)).max(32).default([]),
  }),
  z.object({ type: z.literal("mix_run"), args: z.array(str(1024)).max(32).default([]) }),
  z.object({
    type: z.literal("release"),
    path: z.string().max(1024).superRefine((p, ctx) => {
      const problem = releasePathProblem(p);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    args: z.array(str(1024)).max(32).default([]),
  }),
]);

/**
 * A release entrypoint is a program inside the install dir, named by a
 * relative path. Checked here, so `agents validate` and discovery report what
 * a launch would refuse (an empty path used to pass until then).
 */
export function releasePathProblem(p: string): string | null {
  if (p.trim() === "") return "must name the release's start script, e.g. _build/prod/rel/my_agent/bin/my_agent (it is empty)";
  if (CONTROL_RE.test(p) || p.includes("\n") || p.includes("\r")) return "must not contain control characters";
  if (p.startsWith("/")) return "must be a relative path inside the install dir, not an absolute path";
  const segments = p.split("/");
  if (segments.includes("..")) return "must stay inside the install dir ('..' is not allowed)";
  if (p.endsWith("/") || segments.every((s) => s === "." || s === "")) return "must name a file inside the install dir, not a directory";
  return null;
}

const urlSchema = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u), "must be an http(s) URL");

export const manifestSchema = z.looseObject({
  manifest_version: z.literal(1, "must be 1"),
  id: agentIdSchema,
  name: str(128).min(1),
  version: z.string().max(64).regex(SEMVER_RE, "must be a semantic version like 1.2.3"),
  description: str(4096).default(""),
  source: z.object({ git_url: gitUrlSchema, ref: z.string().min(1).max(255).optional() }).optional(),
  entrypoint: entrypointSchema.default({ type: "mix", task: "opensentience.agent", args: [] }),
  permissions: z.array(permissionSchema).max(128).default([]),
  capabilities: z.array(word()).max(32).default([]),
  keywords: z.array(str(64).min(1)).max(32).default([]),
  tool_summary: z
    .array(z.object({ name: z.string().regex(TOOL_NAME_RE, "tool names are lowercase, e.g. suggest_message"), description: str(1024).default("") }))
    .max(256)
    .default([]),
  integration_points: z.array(word()).max(32).default([]),
  docs_url: urlSchema.optional(),
  resources: z.object({ memory_mb: z.number().int().min(1).max(1_048_576).optional() }).optional(),
  execution_limits: z
    .object({
      timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
      max_concurrency: z.number().int().min(1).max(1024).optional(),
      calls_per_minute: z.number().int().min(1).max(1_000_000).optional(),
      /** Resource limits the agent asks for; the operator's `limits.agent_*` cap them. */
      memory_mb: z.number().int().min(16).max(1_048_576).optional(),
      cpu_percent: z.number().int().min(1).max(25_600).optional(),
      max_processes: z.number().int().min(16).max(1_000_000).optional(),
    })
    .optional(),
  publisher: z.object({ name: str(128), url: urlSchema.optional() }).optional(),
  /** How a mix agent starts (compiled or through mix) and its BEAM's tuning: typed values only, never raw flags. */
  runtime: runtimeSettingsSchema.optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export const KNOWN_MANIFEST_FIELDS = new Set(Object.keys(manifestSchema.shape));
/** Fields a manifest may carry but the core never takes from it. */
export const IGNORED_SELF_DECLARED = ["verification", "trust_score"] as const;
