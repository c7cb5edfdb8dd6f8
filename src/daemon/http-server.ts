/**
 * The HTTP component of the daemon: admin UI + JSON API on 127.0.0.1:6767 by
 * default. Owns the live auth state (failure limiters, the per-start login
 * secret, and the session store, kept in the catalog so sessions survive a
 * restart); the admin token is loaded by `serve` before anything starts so a
 * refused token file stops the daemon before it touches any state.
 */
import { randomBytes } from "node:crypto";
import { createHttpHandler } from "../api/app.tsx";
import type { AdminToken } from "../api/auth/admin-token.ts";
import { FailureLimiter } from "../api/auth/failure-limiter.ts";
import { SessionStore } from "../api/auth/session-store.ts";
import type { HttpDeps } from "../api/context.ts";
import { BUN_BODY_BACKSTOP_BYTES, DEFAULT_BODY_LIMITS } from "../api/security/body-limits.ts";
import type { ServerAddress } from "../api/security/host.ts";
import { ChatService } from "../core/chat/chat-service.ts";
import { AppError } from "../core/errors.ts";
import { McpHttpSessions } from "../mcp/http-sessions.ts";
import type { Component, DaemonContext } from "./daemon.ts";
import { listenLocalApi } from "./local-api-socket.ts";

export interface HttpServerOptions {
  token: AdminToken;
  /** Failed logins per minute before the login form answers 429. */
  maxLoginFailures?: number;
  /** Failed bearer-token calls per minute before the API answers 429. */
  maxBearerFailures?: number;
  /** Largest request body accepted (default MAX_HTTP_BODY_BYTES); larger ones get a JSON 413. */
  maxRequestBodyBytes?: number;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** How clients should address a bind host in a URL (wildcards are reached through loopback). */
function urlHost(bind: string): string {
  if (WILDCARDS.has(bind)) return "127.0.0.1";
  return bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind;
}

/** A non-loopback bind address (only with --allow-remote) is also accepted in Host; a wildcard is not. */
function extraHosts(bind: string): string[] {
  const h = urlHost(bind).toLowerCase();
  return WILDCARDS.has(bind) || LOOPBACK_NAMES.has(h) ? [] : [h];
}

export function httpServer(opts: HttpServerOptions): (ctx: DaemonContext) => Component {
  return (ctx) => {
    const { config, services, log } = ctx;
    const clock = services.clock;
    const address: ServerAddress = { port: 0, extraHosts: extraHosts(config.host) };
    const deps: HttpDeps = {
      services,
      runtime: ctx.runtime,
      chat: new ChatService(services, ctx.runtime),
      mcp: new McpHttpSessions({ runtime: ctx.runtime, events: services.events, clientTokens: services.clientTokens }),
      token: opts.token,
      sessions: new SessionStore({ sqlite: services.store.sqlite, clock, ttlMs: config.limits.session_ttl_ms, tokenFingerprint: () => opts.token.fingerprint }),
      loginLimiter: new FailureLimiter({ clock, maxFailures: opts.maxLoginFailures ?? 10, windowMs: 60_000 }),
      bearerLimiter: new FailureLimiter({ clock, maxFailures: opts.maxBearerFailures ?? 30, windowMs: 60_000 }),
      address,
      secret: randomBytes(32),
      log,
      startedAt: clock.iso(),
    };
    const limits = { ...DEFAULT_BODY_LIMITS, ...(opts.maxRequestBodyBytes ? { maxBytes: opts.maxRequestBodyBytes } : {}) };
    const fetch = createHttpHandler(deps, limits, config.metrics.enabled ? (cls, status) => services.metrics.httpResponse(cls, status) : undefined);
    const hostname = config.host.replace(/^\[(.*)\]$/, "$1");
    let server: ReturnType<typeof Bun.serve>;
    try {
      // The body limit is enforced by the handler (src/api/security/body-limits.ts) as the body
      // streams in, so it can answer a JSON 413 with our headers; Bun's own limit would answer a
      // bare 413 before the handler runs, so it is only a far-away backstop here.
      server = Bun.serve({ hostname, port: config.port, fetch, development: false, maxRequestBodySize: BUN_BODY_BACKSTOP_BYTES, idleTimeout: 60 });
    } catch (e) {
      throw new AppError("io", `cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`, { cause: e });
    }
    address.port = server.port ?? config.port;
    const url = `http://${urlHost(config.host)}:${address.port}`;
    log.info(`admin UI and API on ${url}`);
    const local = listenLocalApi({ path: config.paths.localApiSocket, url, token: opts.token, handler: fetch, log });
    return {
      name: "http server",
      url,
      ...(local ? { socket: local.path } : {}),
      stop: async () => {
        await deps.mcp.closeAll();
        await local?.stop();
        await server.stop(true);
      },
    };
  };
}
