/**
 * Error codes shared by `error` and `tool.error` frames (§8), and the typed
 * error the protocol module throws or returns.
 */

/** Every code of §8, in the baseline's order. */
export const ERROR_CODES = [
  "bad_frame",
  "frame_too_large",
  "unauthorized",
  "unsupported_version",
  "unknown_type",
  "unknown_tool",
  "invalid_arguments",
  "permission_denied",
  "timeout",
  "canceled",
  "agent_unavailable",
  "rate_limited",
  "overloaded",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of the §8 codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && ERROR_CODE_SET.has(value);
}

/**
 * A protocol violation or encoding failure with a stable wire code. The
 * decoder returns it (never throws it); the encoder throws it.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ErrorCode;
  /** For a refused frame header: the length it declared (what an audit of the violation records). */
  readonly frameLength?: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; frameLength?: number }) {
    super(message, options);
    this.code = code;
    if (options?.frameLength !== undefined) this.frameLength = options.frameLength;
  }
}
