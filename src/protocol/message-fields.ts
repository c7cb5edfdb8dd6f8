/**
 * Field schemas and bounds shared by the message schemas. Frames come from
 * untrusted processes, so every string and array is length-bounded; the
 * frame cap (1 MiB by default) bounds whatever is left.
 */
import { z } from "zod";
import { PROTOCOL_VERSION } from "./constants.ts";
import { ERROR_CODES } from "./error-codes.ts";

/** Length bounds, in UTF-16 code units for strings and items for arrays. */
export const LIMITS = {
  id: 128,
  agentId: 128,
  token: 512,
  version: 64,
  name: 64,
  capabilities: 64,
  description: 4096,
  tools: 256,
  permissions: 64,
  permission: 512,
  reason: 1024,
  errorMessage: 4096,
  logMessage: 65_536,
  logLevel: 16,
  chatRole: 32,
  chatHistory: 1024,
  /** Bulk text (chat text, progress chunks): the frame cap is the real bound. */
  text: 1_048_576,
  /** Largest millisecond duration: what setTimeout accepts (about 24.8 days). */
  durationMs: 2_147_483_647,
} as const;

/** Tool short name (§3). */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Agent id: reverse-DNS, same rule as the manifest's `id`
 * (shared/design/manifest-and-registry.md), at most 128 chars.
 */
export const AGENT_ID_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

/** Global tool id `<agent_id>/<name>` as used by `tool.invoke` (§5). */
export const GLOBAL_TOOL_ID_PATTERN = /^([a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+)\/([a-z][a-z0-9_]{0,63})$/;

export const idSchema = z.string().min(1).max(LIMITS.id);
/** THE agent id schema: the wire protocol, manifests, registries, the HTTP API and the CLI all use this one. */
export const agentIdSchema = z
  .string()
  .max(LIMITS.agentId, `at most ${LIMITS.agentId} characters`)
  .regex(AGENT_ID_PATTERN, "must be reverse-DNS: lowercase segments separated by dots, e.g. com.example.my_agent");
export const toolNameSchema = z.string().regex(TOOL_NAME_PATTERN, "must match ^[a-z][a-z0-9_]{0,63}$");
export const globalToolIdSchema = z
  .string()
  .max(LIMITS.agentId + 1 + 64)
  .regex(GLOBAL_TOOL_ID_PATTERN, "must be <agent_id>/<tool name>");
export const versionStringSchema = z.string().min(1).max(LIMITS.version);
export const shortNameSchema = z.string().min(1).max(LIMITS.name);
export const reasonSchema = z.string().max(LIMITS.reason);
export const textSchema = z.string().max(LIMITS.text);

/** Non-negative sequence number (heartbeat, progress). */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Positive duration in milliseconds. */
export const durationMsSchema = z.number().int().min(1).max(LIMITS.durationMs);
/** Positive count or size. */
export const positiveIntSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** Protocol version number as negotiated in `hello`. */
export const protocolNumberSchema = z.number().int().min(1).max(65_535);

/** Any JSON object (string keys); arrays and null are rejected. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());
/** Any JSON value, but the field must be present. */
export const jsonValueSchema = z.unknown().refine((value) => value !== undefined, "required");

export const errorCodeSchema = z.enum(ERROR_CODES);

/** `{code, message, details?}`: the body of `error` and of `tool.error`'s `error`. */
export const errorBodySchema = z.object({
  code: errorCodeSchema,
  message: z.string().max(LIMITS.errorMessage),
  details: jsonObjectSchema.optional(),
});

/**
 * Envelope (§2). Unknown fields are stripped, i.e. ignored. `v` is any
 * protocol number here; `parseMessage` reports a `v` other than
 * PROTOCOL_VERSION as `unsupported_version`.
 */
export const envelopeSchema = z.object({
  v: protocolNumberSchema,
  type: z.string().min(1).max(LIMITS.name),
  id: idSchema,
  reply_to: idSchema.optional(),
  request_id: idSchema.optional(),
  correlation_id: idSchema.optional(),
  causation_id: idSchema.optional(),
  payload: jsonObjectSchema,
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** Envelope fixed to this protocol version, the base of every message schema. */
export const v1EnvelopeSchema = envelopeSchema.extend({ v: z.literal(PROTOCOL_VERSION) });
/** Replies (`welcome`, `tools.registered`) must name the frame they answer. */
export const replyEnvelopeSchema = v1EnvelopeSchema.extend({ reply_to: idSchema });
/** Call traffic (tool calls, invocations, chat turns) must carry its `request_id`. */
export const callEnvelopeSchema = v1EnvelopeSchema.extend({ request_id: idSchema });

/**
 * Tracing extension (docs/tracing.md), optional in both directions and never a
 * reason to reject a frame: a malformed value is dropped (W3C Trace Context says
 * to ignore an invalid `traceparent`), and the core validates again before use.
 */
export const traceparentSchema = z.string().max(LIMITS.id).optional().catch(undefined);
/**
 * The agent's own span for a call, reported in its terminal frame: `{span_id, start_us, end_us}`, Unix
 * microseconds. Passed through as is: the one reader (CallTrace.agentSpan, only for a sampled trace)
 * checks every field and drops a malformed value, so untraced calls pay nothing for it and no object schema
 * runs on every terminal frame (issue 15: tracing's cost on the hot path).
 */
export const agentSpanSchema = z.unknown().optional();
