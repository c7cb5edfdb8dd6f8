/**
 * The daemon's HTTP application: the request guard first (before routing, for
 * every request), then the JSON API and the web UI, with one error handler.
 * `createHttpHandler` adds the body bounds before it and the final response
 * pass (security headers) after it, and is what the server and tests call.
 */
import { Elysia } from "elysia";
import { toAppError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import { mcpEndpoint } from "../mcp/http-endpoint.ts";
import { MCP_PATH } from "../mcp/http-sessions.ts";
import { webUi } from "../web/index.ts";
import { ErrorPage, NotFoundPage } from "../web/pages/status-pages.tsx";
import { htmlResponse } from "../web/render.ts";
import { type HttpDeps, sessionCsrfOrNull, setRequestInfo } from "./context.ts";
import { fromFrameworkError, HTTP_STATUS, jsonError, publicMessage } from "./errors.ts";
import { apiV1 } from "./routes/index.ts";
import { METRICS_PATH, metricsEndpoint } from "./routes/metrics.ts";
import { guardRequest } from "./auth/request-guard.ts";
import { type BodyLimits, boundRequestBody, DEFAULT_BODY_LIMITS } from "./security/body-limits.ts";
import { isAllowedHost } from "./security/host.ts";
import { fastToolCall, isToolCallRequest } from "./tool-call-fast-path.ts";
import { type HttpRouteClass, routeClassOf } from "../core/metrics/metrics.ts";
import { SECURITY_HEADERS, secureResponse } from "./security/headers.ts";

/** Paths whose errors are JSON (the API, and MCP over HTTP). */
const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/") || path === MCP_PATH || path === METRICS_PATH;

export function createHttpApp(deps: HttpDeps) {
  return (
    new Elysia({ name: "opensentience-http" })
      // FIRST hook, global: nothing below runs for a refused request.
      .onRequest(async ({ request, set }) => {
        Object.assign(set.headers, SECURITY_HEADERS);
        const verdict = await guardRequest(request, deps);
        if (verdict instanceof Response) return verdict;
        setRequestInfo(request, verdict);
      })
      .onError(({ code, error, request }) => {
        const err = fromFrameworkError(code, error);
        const path = new URL(request.url).pathname;
        if (err.code === "internal") deps.log.warn(redactText(`http ${request.method} ${path}: ${toAppError(error).stack ?? err.message}`));
        if (isApiPath(path)) return jsonError(err);
        const info = sessionCsrfOrNull(request);
        // A page that does not exist, or an agent/registry/session that does not: web advice (the error's own hint is for the CLI).
        if (err.code === "not_found") return htmlResponse(<NotFoundPage csrf={info} path={path} />, 404);
        return htmlResponse(<ErrorPage csrf={info} status={HTTP_STATUS[err.code]} code={err.code} message={publicMessage(err)} />, HTTP_STATUS[err.code]);
      })
      .use(apiV1(deps))
      .use(mcpEndpoint(deps))
      .use(metricsEndpoint(deps))
      .use(webUi(deps))
  );
}

export type HttpHandler = (req: Request) => Promise<Response>;

/**
 * The app plus the passes around it: first the body bounds (size and JSON
 * nesting, before the guard reads a form body and before Elysia parses one),
 * last the security headers and no CORS on every response. A request for
 * another Host skips the bounds: the guard refuses it first, unread (and Bun
 * gives such a request no URL a copy could be made from).
 */
export function createHttpHandler(deps: HttpDeps, limits: BodyLimits = DEFAULT_BODY_LIMITS, counted?: ResponseCounter): HttpHandler {
  const app = createHttpApp(deps);
  // Counted here rather than by a wrapper around the handler: no extra async frame per request, and the
  // tool-call fast path knows its route class without reading the URL again (issue 15: metrics' hot-path cost).
  const done = (req: Request, res: Response, cls?: HttpRouteClass): Response => {
    counted?.(cls ?? routeClassOf(req.url), res.status);
    return res;
  };
  return async (req) => {
    let bounded = req;
    try {
      if (isToolCallRequest(req)) {
        // The hot path: same checks, same functions, without the generic pipeline (tool-call-fast-path.ts).
        const fast = await fastToolCall(req, deps, limits);
        if (fast && "response" in fast) return done(req, fast.response, "api");
        bounded = fast?.fallback ?? req; // null: another Host, refused by the guard unread
      } else if (isAllowedHost(req.headers.get("host"), deps.address)) bounded = await boundRequestBody(req, limits);
    } catch (e) {
      const err = toAppError(e);
      // The rest of an oversized body is never read: close the connection instead of draining it.
      return done(req, secureResponse(jsonError(err, err.code === "payload_too_large" ? { connection: "close" } : {})));
    }
    try {
      return done(req, secureResponse(await app.handle(bounded)));
    } catch (e) {
      return done(req, secureResponse(jsonError(toAppError(e))));
    }
  };
}

/** Counts an HTTP response by route class and status (Metrics.httpResponse), when metrics are on. */
export type ResponseCounter = (routeClass: HttpRouteClass, status: number) => void;
