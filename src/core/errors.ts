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
  "invalid_arguments",
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
