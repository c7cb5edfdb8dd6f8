/**
 * Typed builders for the frames the core sends. Each fills `v` and a fresh
 * unique `id`; the caller supplies the payload and the envelope ids the
 * baseline requires (`reply_to` on replies, `request_id` on call traffic).
 * Builders do not validate (the types do); encodeFrame bounds the size.
 */
import { PROTOCOL_VERSION } from "./constants.ts";
import { LIMITS } from "./message-fields.ts";
import type { MessageOf, MessageType, PayloadOf } from "./messages.ts";

/** Optional envelope fields; `correlation_id` should be copied from the frame that caused this one. */
export interface EnvelopeFields {
  reply_to?: string;
  request_id?: string;
  correlation_id?: string;
  causation_id?: string;
}
export type ReplyFields = EnvelopeFields & { reply_to: string };
export type CallFields = EnvelopeFields & { request_id: string };

/** A fresh frame id: a random UUID (36 chars), unique across restarts. */
export function newFrameId(): string {
  return crypto.randomUUID();
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max > 0 && /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

function build<T extends MessageType>(type: T, payload: PayloadOf<T>, fields: EnvelopeFields): MessageOf<T> {
  const frame: Record<string, unknown> = { v: PROTOCOL_VERSION, type, id: newFrameId() };
  if (fields.reply_to !== undefined) frame.reply_to = fields.reply_to;
  if (fields.request_id !== undefined) frame.request_id = fields.request_id;
  if (fields.correlation_id !== undefined) frame.correlation_id = fields.correlation_id;
  if (fields.causation_id !== undefined) frame.causation_id = fields.causation_id;
  frame.payload = payload;
  return frame as MessageOf<T>;
}

/** `welcome`, answering the agent's `hello` (§3). */
export function buildWelcome(payload: PayloadOf<"welcome">, fields: ReplyFields): MessageOf<"welcome"> {
  return build("welcome", payload, fields);
}

/** `tools.registered`, answering `tools.register` (§3). */
export function buildToolsRegistered(
  payload: PayloadOf<"tools.registered">,
  fields: ReplyFields,
): MessageOf<"tools.registered"> {
  return build("tools.registered", payload, fields);
}

/** `tool.call` to the agent owning the tool (§4). */
export function buildToolCall(payload: PayloadOf<"tool.call">, fields: CallFields): MessageOf<"tool.call"> {
  return build("tool.call", payload, fields);
}

/** `tool.cancel` for a call or chat turn (§4, §6); reason `timeout` when the deadline passed. */
export function buildToolCancel(payload: PayloadOf<"tool.cancel">, fields: CallFields): MessageOf<"tool.cancel"> {
  return build("tool.cancel", payload, fields);
}

/** `tool.progress` relayed to an agent that made a `tool.invoke` (§5). */
export function buildToolProgress(payload: PayloadOf<"tool.progress">, fields: CallFields): MessageOf<"tool.progress"> {
  return build("tool.progress", payload, fields);
}

/** `tool.result` relayed to an agent that made a `tool.invoke` (§5). */
export function buildToolResult(payload: PayloadOf<"tool.result">, fields: CallFields): MessageOf<"tool.result"> {
  return build("tool.result", payload, fields);
}

/** `tool.error` to an agent that made a `tool.invoke` (§5); an over-long message is truncated. */
export function buildToolError(payload: PayloadOf<"tool.error">, fields: CallFields): MessageOf<"tool.error"> {
  const error = { ...payload.error, message: truncateText(payload.error.message, LIMITS.errorMessage) };
  return build("tool.error", { error }, fields);
}

/** `chat.message` starting a chat turn (§6). */
export function buildChatMessage(payload: PayloadOf<"chat.message">, fields: CallFields): MessageOf<"chat.message"> {
  return build("chat.message", payload, fields);
}

/** Protocol-level `error` (§8); set `reply_to` when it answers a frame. An over-long message is truncated. */
export function buildError(payload: PayloadOf<"error">, fields: EnvelopeFields = {}): MessageOf<"error"> {
  return build("error", { ...payload, message: truncateText(payload.message, LIMITS.errorMessage) }, fields);
}

/** `shutdown`: the agent closes and exits; the core kills its process group after `grace_ms` (§7). */
export function buildShutdown(payload: PayloadOf<"shutdown">, fields: EnvelopeFields = {}): MessageOf<"shutdown"> {
  return build("shutdown", payload, fields);
}
