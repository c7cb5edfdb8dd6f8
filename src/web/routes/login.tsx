/**
 * Browser login and logout.
 *
 * `GET /login?token=…` (the link the terminal prints) or `POST /login` (the
 * form) → a server-side session in an HttpOnly, SameSite=Strict cookie → a
 * redirect to a URL without the token. Every attempt is audited (actor `ui`);
 * failures are rate-limited by `loginLimiter`. A login link followed from
 * another site (Sec-Fetch-Site cross-site/same-site) is refused outright, so a
 * hostile page can neither guess tokens through the browser nor use up the
 * failure budget of the real user.
 */
import { randomBytes } from "node:crypto";
import { Elysia } from "elysia";
import { z } from "zod";
import { type HttpDeps, sessionOf } from "../../api/context.ts";
import { safeNextPath } from "../../api/auth/next-path.ts";
import { clearCookie, loginCookieName, loginCsrf, setCookie, sessionCookieName } from "../../api/auth/cookies.ts";
import { ErrorPage } from "../pages/status-pages.tsx";
import { LoginPage } from "../pages/login.tsx";
import { htmlResponse } from "../render.ts";

/** `next`: the page to return to (kept only when safeNextPath accepts it). */
const nextField = z.string().max(4096).optional();
const loginQuery = z.object({ token: z.string().max(1024).optional(), next: nextField }).strict();
/** `_csrf` was already checked by the guard; it is listed so the strict schema accepts it. */
const loginBody = z.object({ token: z.string().max(1024), _csrf: z.string().max(256).optional(), next: nextField }).strict();
const logoutBody = z.object({ _csrf: z.string().max(256).optional() }).strict().optional();
const LOGIN_COOKIE_TTL_S = 3600;

type Via = "link" | "form";

/** The login form, with a fresh pre-login cookie its CSRF value is bound to. */
function loginForm(deps: HttpDeps, next: string | null, status = 200, error?: string, extra: Record<string, string> = {}): Promise<Response> {
  const nonce = randomBytes(16).toString("hex");
  return htmlResponse(<LoginPage csrf={loginCsrf(deps.secret, nonce)} error={error} next={next} />, status, {
    "set-cookie": setCookie(loginCookieName(deps.address.port), nonce, LOGIN_COOKIE_TTL_S),
    ...extra,
  });
}

async function attemptLogin(deps: HttpDeps, request: Request, candidate: string, via: Via, next: string | null): Promise<Response> {
  const site = request.headers.get("sec-fetch-site");
  if (via === "link" && site !== null && site !== "none" && site !== "same-origin") {
    return htmlResponse(<ErrorPage csrf={null} status={403} code="forbidden" message="Login links only work when opened directly (typed, pasted or clicked in the terminal), not from another website." />, 403);
  }
  const wait = deps.loginLimiter.retryAfterSeconds();
  if (wait > 0) return loginForm(deps, next, 429, `Too many failed attempts. Try again in ${wait} seconds.`, { "retry-after": String(wait) });
  if (!deps.token.verify(candidate)) {
    const limitReached = deps.loginLimiter.fail();
    deps.services.audit.record({ actor: "ui", action: "auth.login", outcome: "denied", details: { via, reason: "invalid_token", limit_reached: limitReached } });
    return loginForm(deps, next, 401, "That token is not valid. Run opensentience token in a terminal for a fresh login link.");
  }
  const { id, session } = deps.sessions.create();
  deps.services.audit.record({ actor: "ui", action: "auth.login", outcome: "ok", details: { via, expires_at: new Date(session.expiresAt).toISOString() } });
  const headers = new Headers({ location: next ?? "/agents" });
  headers.append("set-cookie", setCookie(sessionCookieName(deps.address.port), id, deps.sessions.ttlMs / 1000));
  headers.append("set-cookie", clearCookie(loginCookieName(deps.address.port)));
  // 302 drops the token from the address bar (and history) for the link; 303 turns the form POST into a GET.
  return new Response(null, { status: via === "link" ? 302 : 303, headers });
}

export const loginRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "web.login" })
    .get(
      "/login",
      ({ query, request }) => {
        const next = safeNextPath(query.next);
        if (query.token !== undefined) return attemptLogin(deps, request, query.token, "link", next);
        if (sessionOf(request)) return new Response(null, { status: 302, headers: { location: next ?? "/agents" } });
        return loginForm(deps, next);
      },
      { query: loginQuery },
    )
    .post("/login", ({ body, request }) => attemptLogin(deps, request, body.token, "form", safeNextPath(body.next)), { body: loginBody })
    .post(
      "/logout",
      ({ request }) => {
        const s = sessionOf(request);
        if (s) {
          deps.sessions.destroy(s.sessionId);
          deps.services.events.emit({ type: "auth.sessions_ended", csrf: s.session.csrf });
          deps.services.audit.record({ actor: "ui", action: "auth.logout", outcome: "ok" });
        }
        return new Response(null, { status: 303, headers: { location: "/login", "set-cookie": clearCookie(sessionCookieName(deps.address.port)) } });
      },
      { body: logoutBody },
    );
