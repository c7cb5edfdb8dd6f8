/**
 * The request guard: runs first for EVERY request (pages, API, assets, unknown
 * paths), before routing and body parsing, so a refused request reaches no
 * handler and changes nothing. Order matters and is part of the design:
 *
 *  1. Host must name this server (DNS rebinding).
 *  2. No CORS: OPTIONS and exotic methods are refused; an Origin, when sent,
 *     must be exactly ours.
 *  3. Bearer token (API only, the CLI and scripts): verified in constant time,
 *     failures rate-limited. No CSRF needed: browsers cannot attach it cross-site.
 *  4. Otherwise cookies: state-changing requests need Origin (or Referer) equal
 *     to ours AND the session's CSRF token (the login form: a pre-login one).
 *  5. Everything but the login page and static assets needs a session.
 *
 * `/mcp` (MCP over Streamable HTTP) takes only a client token, after 1–2: no
 * cookies, no admin token, no CORS (see `guardMcp`).
 */
import { tokensEqual } from "./admin-token.ts";
import type { HttpDeps, Principal, RequestInfo } from "../context.ts";
import { reject } from "../errors.ts";
import { loginLocation } from "./next-path.ts";
import { loginCookieName, readCookie, sessionCookieName, validLoginCsrf } from "./cookies.ts";
import { isAllowedHost, ownOrigin, refererOrigin } from "../security/host.ts";
import { CLIENT_HEADER } from "../../contract/system.ts";
import { MCP_PATH } from "../../mcp/http-sessions.ts";
import { guardMetrics } from "./metrics-guard.ts";

export { CLIENT_HEADER };

const SAFE_METHODS = new Set(["GET", "HEAD"]);
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);
export const CSRF_HEADER = "x-csrf-token";
export const CSRF_FIELD = "_csrf";

/** Paths reachable without a session. Everything else is private by default. */
function isPublic(method: string, path: string): boolean {
  if (path === "/login") return method === "GET" || method === "POST";
  return SAFE_METHODS.has(method) && (path.startsWith("/assets/") || path === "/favicon.ico");
}

/** The `_csrf` field of a form body, read from a clone so the route still gets the body. */
async function formCsrf(req: Request): Promise<string | null> {
  const type = req.headers.get("content-type") ?? "";
  try {
    if (type.startsWith("application/x-www-form-urlencoded")) return new URLSearchParams(await req.clone().text()).get(CSRF_FIELD);
    if (type.startsWith("multipart/form-data")) {
      const v = (await req.clone().formData()).get(CSRF_FIELD);
      return typeof v === "string" ? v : null;
    }
  } catch {
    // unreadable body: treated as no token
  }
  return null;
}

/** To the login page, which sends the visitor back to the page asked for (a GET's same-origin path only: next-path.ts). */
const redirectToLogin = (method: string, url: URL) => new Response(null, { status: 303, headers: { location: loginLocation(method, `${url.pathname}${url.search}`) } });

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/**
 * `/mcp`: a scoped client token (`opensentience token create`) as a bearer
 * header and nothing else. Cookies are ignored (a browser page cannot ride a
 * session into MCP); the admin token is refused, so it never ends up in an
 * MCP client's configuration. Failures share the bearer failure limiter.
 */
function guardMcp(req: Request, deps: HttpDeps, origin: string): Response | RequestInfo {
  const how = "MCP clients authenticate with a client token as an Authorization bearer header (create one with: opensentience token create NAME --tools 'AGENT_ID/*')";
  const challenge = { "www-authenticate": 'Bearer realm="opensentience-mcp"' };
  const authorization = req.headers.get("authorization");
  if (authorization === null) return reject("unauthorized", `authentication required; ${how}`, challenge);
  const wait = deps.bearerLimiter.retryAfterSeconds();
  if (wait > 0) return reject("rate_limited", `too many failed authentication attempts; retry in ${wait} s`, { "retry-after": String(wait) });
  const m = BEARER.exec(authorization);
  if (m && deps.token.verify(m[1]!)) return reject("unauthorized", `the admin token is not accepted on ${MCP_PATH}; ${how}`, challenge);
  const client = m ? deps.services.clientTokens.verify(m[1]!) : null;
  if (!client) {
    deps.bearerLimiter.fail();
    return reject("unauthorized", `invalid or revoked client token; ${how}`, challenge);
  }
  return { principal: { kind: "client", client }, origin };
}

/** Returns a refusal to send as is, or what the handlers may know about the caller. */
export async function guardRequest(req: Request, deps: HttpDeps): Promise<Response | RequestInfo> {
  const host = req.headers.get("host");
  if (!isAllowedHost(host, deps.address)) {
    return reject("forbidden", "request refused: the Host header must be 127.0.0.1, [::1], localhost or *.localhost with this daemon's port");
  }
  const origin = ownOrigin(host!);
  const url = new URL(req.url);
  // Defence in depth: Bun derives the URL from the Host header (it drops an absolute-form
  // target's authority); another adapter might not, so the two must agree.
  if (url.origin !== origin) return reject("forbidden", "request refused: URL and Host header disagree");
  if (!KNOWN_METHODS.has(req.method)) return reject("forbidden", `method ${req.method} is not allowed (this server never answers cross-origin requests)`);
  const sentOrigin = req.headers.get("origin");
  if (sentOrigin !== null && sentOrigin !== origin) return reject("forbidden", "cross-origin request refused: Origin does not match this server");

  const unsafe = !SAFE_METHODS.has(req.method);
  const path = url.pathname;
  if (path === MCP_PATH) return guardMcp(req, deps, origin);
  if (path === "/metrics" || path === "/api/v1/metrics") {
    const verdict = guardMetrics(req, deps, origin, path === "/metrics");
    if (verdict) return verdict;
  }
  const isApi = path === "/api" || path.startsWith("/api/");

  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    if (!isApi) return reject("unauthorized", "bearer tokens are accepted only under /api");
    const wait = deps.bearerLimiter.retryAfterSeconds();
    if (wait > 0) return reject("rate_limited", `too many failed authentication attempts; retry in ${wait} s`, { "retry-after": String(wait) });
    const m = BEARER.exec(authorization);
    if (!m || !deps.token.verify(m[1]!)) {
      deps.bearerLimiter.fail();
      return reject("unauthorized", "invalid admin token (see: opensentience token)", { "www-authenticate": 'Bearer realm="opensentience"' });
    }
    // The CLI marks itself so its actions are audited as `cli`; only trusted with the token.
    const actor = req.headers.get(CLIENT_HEADER) === "cli" ? "cli" : "api";
    return { principal: { kind: "bearer", actor }, origin };
  }

  const cookies = req.headers.get("cookie");
  const sessionId = readCookie(cookies, sessionCookieName(deps.address.port));
  const session = deps.sessions.get(sessionId);
  const principal: Principal = session && sessionId ? { kind: "session", actor: "ui", session, sessionId } : { kind: "anonymous" };
  const publicPath = isPublic(req.method, path);
  if (!publicPath && principal.kind !== "session") {
    if (isApi) return reject("unauthorized", "authentication required: send the admin token as an Authorization bearer header (see: opensentience token)");
    // The live event stream (src/web/sse.ts) is read by scripts, not people: a JSON 401, not a login redirect.
    if (path === "/events") return reject("unauthorized", "authentication required: log in to the admin UI first");
    return redirectToLogin(req.method, url);
  }
  if (!unsafe) return { principal, origin };

  // Cookie-authenticated state change: our own Origin (or Referer) AND a CSRF token.
  if (sentOrigin === null && refererOrigin(req.headers.get("referer")) !== origin) {
    return reject("forbidden", "cross-origin request refused: state-changing requests need an Origin or Referer from this server");
  }
  if (publicPath) {
    // Only POST /login: no session yet, so the token is bound to the pre-login cookie.
    if (!validLoginCsrf(deps.secret, readCookie(cookies, loginCookieName(deps.address.port)), await formCsrf(req))) {
      return reject("forbidden", "missing or invalid CSRF token (reload the login page)");
    }
    return { principal, origin };
  }
  const submitted = req.headers.get(CSRF_HEADER) ?? (await formCsrf(req));
  if (!submitted || principal.kind !== "session" || !tokensEqual(principal.session.csrf, submitted)) {
    return reject("forbidden", "missing or invalid CSRF token");
  }
  return { principal, origin };
}
