/**
 * What the HTTP layer needs from the daemon, and what the request guard
 * learned about each request (who is calling) for the handlers to use.
 */
import type { ChatService } from "../core/chat/chat-service.ts";
import type { ClientPrincipal } from "../core/client-tokens/client-tokens.ts";
import type { Runtime } from "../core/runtime/runtime.ts";
import type { Services } from "../core/services.ts";
import type { DaemonLog } from "../daemon/daemon.ts";
import type { McpHttpSessions } from "../mcp/http-sessions.ts";
import type { Actor } from "../db/schema.ts";
import { AppError } from "../core/errors.ts";
import type { AdminToken } from "./auth/admin-token.ts";
import type { FailureLimiter } from "./auth/failure-limiter.ts";
import type { Session, SessionStore } from "./auth/session-store.ts";
import type { ServerAddress } from "./security/host.ts";

export interface HttpDeps {
  services: Services;
  /** Live agents: run/stop, tool calls, logs. */
  runtime: Runtime;
  chat: ChatService;
  /** MCP sessions on /mcp (Streamable HTTP, client tokens). */
  mcp: McpHttpSessions;
  token: AdminToken;
  sessions: SessionStore;
  /** Failed browser logins (the `/login` form and link). */
  loginLimiter: FailureLimiter;
  /** Failed bearer-token API calls. */
  bearerLimiter: FailureLimiter;
  /** Mutable: the port is filled in once the socket is bound. */
  address: ServerAddress;
  /** Per-start secret for the login form's CSRF value (HMAC of a cookie). */
  secret: Buffer;
  log: DaemonLog;
  startedAt: string;
}

export type Principal =
  | { kind: "bearer"; actor: Extract<Actor, "api" | "cli"> }
  | { kind: "session"; actor: "ui"; session: Session; sessionId: string }
  /** A client token on /mcp; never reaches /api. */
  | { kind: "client"; client: ClientPrincipal }
  | { kind: "anonymous" };

export interface RequestInfo {
  principal: Principal;
  /** The exact origin this request was addressed to, e.g. `http://127.0.0.1:6767`. */
  origin: string;
}

const infos = new WeakMap<Request, RequestInfo>();

export function setRequestInfo(req: Request, info: RequestInfo): void {
  infos.set(req, info);
}

/** Set by the guard for every request that reached routing. */
export function requestInfo(req: Request): RequestInfo {
  const info = infos.get(req);
  if (!info) throw new AppError("internal", "request reached a handler without passing the guard");
  return info;
}

/** The audit actor of an authenticated request; throws for anonymous ones. */
export function actorOf(req: Request): Extract<Actor, "api" | "cli" | "ui"> {
  const p = requestInfo(req).principal;
  if (p.kind === "anonymous" || p.kind === "client") throw new AppError("unauthorized", "authentication required");
  return p.actor;
}

/** The browser session of a request, when it has one. */
export function sessionOf(req: Request): Extract<Principal, { kind: "session" }> | null {
  const p = requestInfo(req).principal;
  return p.kind === "session" ? p : null;
}

/** The session's CSRF token when the guard saw a session; null otherwise (also for refused requests). */
export function sessionCsrfOrNull(req: Request): string | null {
  const p = infos.get(req)?.principal;
  return p?.kind === "session" ? p.session.csrf : null;
}
