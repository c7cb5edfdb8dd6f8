/**
 * `POST /api/v1/tools/call` with a bearer token and a JSON body, served ahead
 * of Elysia's generic pipeline (the hot path of every CLI, script and MCP
 * bridge call: issue 13). It runs the SAME steps with the SAME functions as
 * the generic path, in the same order:
 *
 *   1. Host check (isAllowedHost; any other Host takes the generic path, which refuses it);
 *   2. body bounds (readBoundedBody: size and JSON depth, before anything parses it);
 *   3. the request guard (guardRequest: Host/URL agreement, Origin, bearer token,
 *      failure limiter) — its refusal is sent as is;
 *   4. the route's body schema (toolCallBodySchema) and the route's own call code
 *      (toolCallRequest/callToolJson: caller, scope, router → permission and
 *      schema checks, audit);
 *   5. the error mapping (jsonError) and the final response pass (secureResponse).
 *
 * Whatever it does not handle itself — no bearer header (a browser session,
 * whose CSRF check reads the body), a body that is not JSON or does not match
 * the schema, `stream: true` — goes to the generic path with the bytes
 * already read, so its answers (and error messages) stay exactly Elysia's.
 */
import { toAppError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import { type HttpDeps, setRequestInfo } from "./context.ts";
import { jsonError } from "./errors.ts";
import { guardRequest } from "./auth/request-guard.ts";
import { callToolJson, toolCallRequest } from "./routes/tools.ts";
import { toolCallBodySchema } from "./schemas.ts";
import { type BodyLimits, readBoundedBody } from "./security/body-limits.ts";
import { SECURITY_HEADERS, secureResponse } from "./security/headers.ts";
import { isAllowedHost } from "./security/host.ts";

export const TOOL_CALL_PATH = "/api/v1/tools/call";

/** What the fast path returns: a response, or the request for the generic path (its body re-attached). */
export type FastPathResult = { response: Response } | { fallback: Request };

const JSON_HEADERS: Record<string, string> = { ...SECURITY_HEADERS, "content-type": "application/json;charset=utf-8", "cache-control": "no-store" };

/** True for exactly `POST <origin>/api/v1/tools/call` (no query string: anything else is routed generically). */
export function isToolCallRequest(req: Request): boolean {
  if (req.method !== "POST") return false;
  const url = req.url;
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash > 0 && url.length - slash === TOOL_CALL_PATH.length && url.endsWith(TOOL_CALL_PATH);
}

/** Serves a tool call when it can; see the module comment for what falls back. Throws body-bound errors like boundRequestBody. */
export async function fastToolCall(req: Request, deps: HttpDeps, limits: BodyLimits): Promise<FastPathResult | null> {
  if (!isAllowedHost(req.headers.get("host"), deps.address)) return null;
  const bytes = await readBoundedBody(req, limits);
  const fallback = (): FastPathResult => ({ fallback: bytes === null ? req : new Request(req.url, { method: req.method, headers: req.headers, body: bytes, signal: req.signal }) });
  if (bytes === null || req.headers.get("authorization") === null) return fallback();
  const verdict = await guardRequest(req, deps);
  if (verdict instanceof Response) return { response: secureResponse(verdict) };
  if (!isJsonType(req.headers.get("content-type"))) return fallback();
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return fallback();
  }
  const body = toolCallBodySchema.safeParse(parsed);
  if (!body.success || body.data.stream) return fallback();
  setRequestInfo(req, verdict);
  try {
    const result = await callToolJson(deps, req, toolCallRequest(deps, req, body.data));
    return { response: new Response(JSON.stringify(result), { status: 200, headers: JSON_HEADERS }) };
  } catch (e) {
    const err = toAppError(e);
    if (err.code === "internal") deps.log.warn(redactText(`http POST ${TOOL_CALL_PATH}: ${err.stack ?? err.message}`));
    return { response: secureResponse(jsonError(err)) };
  }
}

/** The media types the generic route JSON-parses and this path handles: application/json (with parameters). */
function isJsonType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === "application/json";
}
