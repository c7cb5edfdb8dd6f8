/**
 * Public surface of the runtime protocol v1 (shared/design/runtime-protocol.md):
 * framing, message schemas and types, parsing, builders for core-sent frames,
 * error codes and protocol constants. Pure apart from the caller's I/O.
 */
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  FRAME_HEADER_BYTES,
  HEARTBEAT_MISSED_INTERVALS,
  PROTOCOL_VERSION,
  TOKEN_TTL_MS,
} from "./constants.ts";
export { ERROR_CODES, type ErrorCode, ProtocolError, isErrorCode } from "./error-codes.ts";
export { type JsonObject, exceedsJsonDepth, parseFrameBody } from "./frame-body.ts";
export { type DecodeStep, FrameDecoder, type FrameDecoderOptions, type PushResult, decodeFrame } from "./frame-decoder.ts";
export { encodeFrame } from "./frame-encoder.ts";
export {
  AGENT_ID_PATTERN,
  type Envelope,
  GLOBAL_TOOL_ID_PATTERN,
  LIMITS,
  TOOL_NAME_PATTERN,
  agentIdSchema,
  envelopeSchema,
  globalToolIdSchema,
  idSchema,
  toolNameSchema,
} from "./message-fields.ts";
export * from "./messages.ts";
export { type ParseFailure, type ParseFailureCode, type ParseResult, parseMessage } from "./parse-message.ts";
export {
  type CallFields,
  type EnvelopeFields,
  type ReplyFields,
  buildChatMessage,
  buildError,
  buildShutdown,
  buildToolCall,
  buildToolCancel,
  buildToolError,
  buildToolProgress,
  buildToolResult,
  buildToolsRegistered,
  buildWelcome,
  newFrameId,
} from "./message-builders.ts";
