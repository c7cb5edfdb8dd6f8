/**
 * One zod schema per message type of the runtime protocol v1: each is both
 * the runtime check and, through z.infer, the TypeScript type. Payload
 * schemas describe the `payload` object; message schemas add the envelope.
 * Unknown fields are stripped (ignored) at every level.
 */
import { z } from "zod";
import {
  LIMITS,
  agentIdSchema,
  agentSpanSchema,
  callEnvelopeSchema,
  durationMsSchema,
  errorBodySchema,
  globalToolIdSchema,
  idSchema,
  jsonObjectSchema,
  jsonValueSchema,
  positiveIntSchema,
  protocolNumberSchema,
  reasonSchema,
  replyEnvelopeSchema,
  seqSchema,
  shortNameSchema,
  textSchema,
  toolNameSchema,
  traceparentSchema,
  v1EnvelopeSchema,
  versionStringSchema,
} from "./message-fields.ts";

// §3 Handshake

export const helloPayloadSchema = z.object({
  agent_id: agentIdSchema,
  token: z.string().min(1).max(LIMITS.token),
  agent_version: versionStringSchema,
  sdk: z.object({ name: shortNameSchema, version: versionStringSchema }),
  protocol: z
    .object({ min: protocolNumberSchema, max: protocolNumberSchema })
    .refine((range) => range.min <= range.max, "protocol.min must be <= protocol.max"),
  capabilities: z.array(shortNameSchema).max(LIMITS.capabilities),
});

export const welcomePayloadSchema = z.object({
  protocol_version: protocolNumberSchema,
  session_id: idSchema,
  heartbeat_interval_ms: durationMsSchema,
  max_frame_bytes: positiveIntSchema,
  max_concurrent_calls: positiveIntSchema,
});

/** One tool as declared by its agent in `tools.register`. */
export const toolSpecSchema = z.object({
  name: toolNameSchema,
  description: z.string().max(LIMITS.description),
  input_schema: jsonObjectSchema,
  output_schema: jsonObjectSchema.optional(),
  permissions: z.array(z.string().min(1).max(LIMITS.permission)).max(LIMITS.permissions),
  streaming: z.boolean(),
  cancellable: z.boolean(),
  timeout_ms: durationMsSchema.optional(),
});

export const toolsRegisterPayloadSchema = z.object({
  tools: z.array(toolSpecSchema).max(LIMITS.tools),
});

export const toolsRegisteredPayloadSchema = z.object({
  accepted: z.array(toolNameSchema).max(LIMITS.tools),
  rejected: z
    .array(z.object({ name: z.string().max(LIMITS.id), reason: reasonSchema }))
    .max(LIMITS.tools),
});

// §4 Tool calls

export const CALLER_KINDS = ["cli", "ui", "chat", "api", "agent"] as const;

export const toolCallPayloadSchema = z.object({
  tool: toolNameSchema,
  arguments: jsonValueSchema,
  timeout_ms: durationMsSchema,
  caller: z.object({ kind: z.enum(CALLER_KINDS), id: idSchema }),
  traceparent: traceparentSchema,
});

export const toolProgressPayloadSchema = z.object({
  seq: seqSchema,
  chunk: z.union([textSchema, jsonObjectSchema]),
});

export const toolResultPayloadSchema = z.object({ output: jsonValueSchema, agent_span: agentSpanSchema });

export const toolErrorPayloadSchema = z.object({
  error: errorBodySchema.extend({ retryable: z.boolean().optional() }),
  agent_span: agentSpanSchema,
});

export const toolCancelPayloadSchema = z.object({ reason: reasonSchema });

// §5 Calls made by an agent

export const toolInvokePayloadSchema = z.object({
  tool: globalToolIdSchema,
  arguments: jsonValueSchema,
  timeout_ms: durationMsSchema.optional(),
  traceparent: traceparentSchema,
});

// §6 Chat

export const chatMessagePayloadSchema = z.object({
  session_id: idSchema,
  message_id: idSchema,
  text: textSchema,
  history: z.array(z.object({ role: z.string().min(1).max(LIMITS.chatRole), text: textSchema })).max(LIMITS.chatHistory),
  traceparent: traceparentSchema,
});

export const chatDeltaPayloadSchema = z.object({ text: textSchema });
export const chatDonePayloadSchema = z.object({ text: textSchema.optional(), agent_span: agentSpanSchema });

// §7 Health, logs, shutdown

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

export const heartbeatPayloadSchema = z.object({ seq: seqSchema });

export const logPayloadSchema = z.object({
  level: z.enum(LOG_LEVELS),
  message: z.string().max(LIMITS.logMessage),
  fields: jsonObjectSchema.optional(),
});

export const shutdownPayloadSchema = z.object({
  reason: reasonSchema,
  grace_ms: z.number().int().min(0).max(LIMITS.durationMs),
});

// §8 Errors

export const errorPayloadSchema = errorBodySchema;

// Message schemas: envelope + literal type + payload.

export const helloMessageSchema = v1EnvelopeSchema.extend({ type: z.literal("hello"), payload: helloPayloadSchema });
export const welcomeMessageSchema = replyEnvelopeSchema.extend({ type: z.literal("welcome"), payload: welcomePayloadSchema });
export const toolsRegisterMessageSchema = v1EnvelopeSchema.extend({
  type: z.literal("tools.register"),
  payload: toolsRegisterPayloadSchema,
});
export const toolsRegisteredMessageSchema = replyEnvelopeSchema.extend({
  type: z.literal("tools.registered"),
  payload: toolsRegisteredPayloadSchema,
});
export const toolCallMessageSchema = callEnvelopeSchema.extend({ type: z.literal("tool.call"), payload: toolCallPayloadSchema });
export const toolProgressMessageSchema = callEnvelopeSchema.extend({
  type: z.literal("tool.progress"),
  payload: toolProgressPayloadSchema,
});
export const toolResultMessageSchema = callEnvelopeSchema.extend({
  type: z.literal("tool.result"),
  payload: toolResultPayloadSchema,
});
export const toolErrorMessageSchema = callEnvelopeSchema.extend({ type: z.literal("tool.error"), payload: toolErrorPayloadSchema });
export const toolCancelMessageSchema = callEnvelopeSchema.extend({
  type: z.literal("tool.cancel"),
  payload: toolCancelPayloadSchema,
});
export const toolInvokeMessageSchema = callEnvelopeSchema.extend({
  type: z.literal("tool.invoke"),
  payload: toolInvokePayloadSchema,
});
export const chatMessageMessageSchema = callEnvelopeSchema.extend({
  type: z.literal("chat.message"),
  payload: chatMessagePayloadSchema,
});
export const chatDeltaMessageSchema = callEnvelopeSchema.extend({ type: z.literal("chat.delta"), payload: chatDeltaPayloadSchema });
export const chatDoneMessageSchema = callEnvelopeSchema.extend({ type: z.literal("chat.done"), payload: chatDonePayloadSchema });
export const heartbeatMessageSchema = v1EnvelopeSchema.extend({ type: z.literal("heartbeat"), payload: heartbeatPayloadSchema });
export const logMessageSchema = v1EnvelopeSchema.extend({ type: z.literal("log"), payload: logPayloadSchema });
export const shutdownMessageSchema = v1EnvelopeSchema.extend({ type: z.literal("shutdown"), payload: shutdownPayloadSchema });
export const errorMessageSchema = v1EnvelopeSchema.extend({ type: z.literal("error"), payload: errorPayloadSchema });

/** Every message schema by its `type`: the single list of known types. */
export const MESSAGE_SCHEMAS = {
  hello: helloMessageSchema,
  welcome: welcomeMessageSchema,
  "tools.register": toolsRegisterMessageSchema,
  "tools.registered": toolsRegisteredMessageSchema,
  "tool.call": toolCallMessageSchema,
  "tool.progress": toolProgressMessageSchema,
  "tool.result": toolResultMessageSchema,
  "tool.error": toolErrorMessageSchema,
  "tool.cancel": toolCancelMessageSchema,
  "tool.invoke": toolInvokeMessageSchema,
  "chat.message": chatMessageMessageSchema,
  "chat.delta": chatDeltaMessageSchema,
  "chat.done": chatDoneMessageSchema,
  heartbeat: heartbeatMessageSchema,
  log: logMessageSchema,
  shutdown: shutdownMessageSchema,
  error: errorMessageSchema,
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];

/**
 * Who may send each type, per the baseline. parseMessage checks shape only;
 * the connection layer uses these to refuse a frame sent the wrong way.
 * `error` goes both ways (§8 only says it answers a frame).
 */
export const AGENT_SENDS: ReadonlySet<MessageType> = new Set<MessageType>([
  "hello",
  "tools.register",
  "tool.progress",
  "tool.result",
  "tool.error",
  "tool.invoke",
  "chat.delta",
  "chat.done",
  "heartbeat",
  "log",
  "error",
]);
export const CORE_SENDS: ReadonlySet<MessageType> = new Set<MessageType>([
  "welcome",
  "tools.registered",
  "tool.call",
  "tool.cancel",
  "tool.progress",
  "tool.result",
  "tool.error",
  "chat.message",
  "shutdown",
  "error",
]);

/** Any valid v1 message, discriminated by `type`. */
export const messageSchema = z.discriminatedUnion("type", Object.values(MESSAGE_SCHEMAS) as [
  (typeof MESSAGE_SCHEMAS)[MessageType],
  ...(typeof MESSAGE_SCHEMAS)[MessageType][],
]);
export type Message = z.infer<typeof messageSchema>;
/** The message of one type, e.g. `MessageOf<"tool.call">`. */
export type MessageOf<T extends MessageType> = z.infer<(typeof MESSAGE_SCHEMAS)[T]>;
/** The payload of one type, e.g. `PayloadOf<"welcome">`. */
export type PayloadOf<T extends MessageType> = MessageOf<T>["payload"];

export type ToolSpec = z.infer<typeof toolSpecSchema>;
export type CallerKind = (typeof CALLER_KINDS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
