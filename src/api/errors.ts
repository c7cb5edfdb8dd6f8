/**
 * The one mapping from domain errors to HTTP. Every JSON error the daemon
 * sends is `{error: {code, message}}` with the status below; the typed client
 * (src/client) maps it back to the same AppError code.
 */
import { AppError, type ErrorCode, toAppError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";

/** Exhaustive: adding an ErrorCode without a status is a type error. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  usage: 400,
  invalid_config: 500,
  invalid_manifest: 400,
  invalid_argument: 400,
  payload_too_large: 413,
  not_found: 404,
  unknown_tool: 404,
  conflict: 409,
  already_running: 409,
  canceled: 409,
  confirmation_required: 428,
  unauthorized: 401,
  forbidden: 403,
  permission_denied: 403,
  rate_limited: 429,
  daemon_not_running: 503,
  agent_unavailable: 503,
  overloaded: 503,
  timeout: 504,
  git_failed: 502,
  build_failed: 500,
  io: 500,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Public message for an error: redacted, one line, and never internal details. */
export function publicMessage(err: AppError): string {
  if (err.code === "internal") return "internal error (see the daemon's terminal for details)";
  return redactText(err.message).split("\n")[0]!.slice(0, 2000);
}

export function errorBody(err: AppError): ErrorBody {
  return { error: { code: err.code, message: publicMessage(err) } };
}

export function jsonError(err: AppError, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    status: HTTP_STATUS[err.code],
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** Shorthand used by the request guard. */
export function reject(code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return jsonError(new AppError(code, message), headers);
}

/**
 * Turns Elysia's framework errors (unknown route, unparsable body, schema
 * validation) into AppErrors, so they share the mapping above.
 */
export function fromFrameworkError(code: string | number, error: unknown): AppError {
  switch (code) {
    case "NOT_FOUND":
      return new AppError("not_found", "no such route");
    case "PARSE":
      return new AppError("invalid_argument", "request body is not valid (expected JSON or a form)");
    case "VALIDATION": {
      const first = (error as { all?: Array<{ path?: string; summary?: string; message?: string }> }).all?.[0];
      const path = first?.path && first.path !== "root" ? `${first.path.replace(/^\//, "").replaceAll("/", ".")}: ` : "";
      return new AppError("invalid_argument", `${path}${first?.summary ?? first?.message ?? "invalid request"}`);
    }
    case "INVALID_COOKIE_SIGNATURE":
    case "INVALID_FILE_TYPE":
      return new AppError("invalid_argument", "invalid request");
    default:
      return toAppError(error);
  }
}
