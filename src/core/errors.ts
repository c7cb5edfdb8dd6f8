import type { ErrorCode as WireErrorCode } from "../protocol/error-codes.ts";

/**
 * Domain errors. Services throw `AppError` with a stable `code`; each edge maps
 * it exactly once (CLI: exit code + one stderr line; API: HTTP status + JSON).
 * Core code never knows about HTTP statuses or process exit codes beyond the
 * usage/failure split below.
 */
export const ERROR_CODES = [
  "usage", // bad command line or request shape
  "invalid_config",
  "invalid_manifest",
  "invalid_argument",
  "payload_too_large", // a request body over the HTTP size limit
  "not_found",
  "conflict", // state does not allow the action (already running, not installed …)
  "already_running",
  "daemon_not_running",
  "unauthorized",
  "forbidden",
  "permission_denied",
  "confirmation_required",
  "git_failed",
  "build_failed",
  "timeout",
  "canceled",
  "agent_unavailable",
  "rate_limited",
  "overloaded",
  "unknown_tool",
  "io",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.details = opts.details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Wraps anything thrown into an AppError, keeping the original as `cause`. */
export function toAppError(e: unknown, context?: string): AppError {
  if (isAppError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new AppError("internal", context ? `${context}: ${msg}` : msg, { cause: e });
}

/** CLI exit code: 2 for usage and confirmation problems, 1 for every other failure. */
export function exitCodeFor(code: ErrorCode): 1 | 2 {
  return code === "usage" || code === "confirmation_required" ? 2 : 1;
}

/**
 * The one mapping from wire error codes (runtime protocol §8: what agents and
 * the router's call outcomes carry) to domain codes (what the HTTP API and the
 * CLI report). Codes that exist on both sides map to themselves; tool
 * arguments failing their schema are an invalid argument like any other; an
 * agent speaking the protocol wrongly makes the agent unusable for the call.
 */
const WIRE_TO_DOMAIN: Record<WireErrorCode, ErrorCode> = {
  bad_frame: "agent_unavailable",
  frame_too_large: "agent_unavailable",
  unsupported_version: "agent_unavailable",
  unknown_type: "agent_unavailable",
  unauthorized: "unauthorized",
  unknown_tool: "unknown_tool",
  invalid_arguments: "invalid_argument",
  permission_denied: "permission_denied",
  timeout: "timeout",
  canceled: "canceled",
  agent_unavailable: "agent_unavailable",
  rate_limited: "rate_limited",
  overloaded: "overloaded",
  internal: "internal",
};

/** Domain code for a wire code; anything unknown (a hostile agent's string) is `internal`. */
export function domainCodeOf(wire: string): ErrorCode {
  return Object.hasOwn(WIRE_TO_DOMAIN, wire) ? WIRE_TO_DOMAIN[wire as WireErrorCode] : "internal";
}

/** The AppError for a failed tool call or chat turn (`{code, message, details?}` from the router). */
export function fromWireError(e: { code: string; message: string; details?: unknown }): AppError {
  const details = e.details && typeof e.details === "object" && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : {};
  return new AppError(domainCodeOf(e.code), e.message, { details });
}

/** True for a code the domain knows (e.g. when reading an error body from the daemon). */
export function isDomainErrorCode(s: unknown): s is ErrorCode {
  return typeof s === "string" && (ERROR_CODES as readonly string[]).includes(s);
}
