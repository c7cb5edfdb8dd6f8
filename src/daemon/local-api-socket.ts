/**
 * The local API socket: the daemon's JSON API also on a Unix socket in the
 * data directory (`<home>/api.sock`, mode 0600, inside the 0700 directory),
 * for the CLI on this machine — the shape of Tailscale's LocalAPI and
 * Docker's socket. Reaching the socket is the credential: whoever can connect
 * to it can also read `admin.token` beside it. So the CLI reads neither the
 * token nor the daemon file to ask the daemon something, and its cheapest
 * commands skip `node:fs` entirely (issue 13, CLI start).
 *
 * A request that arrives here is handed to the very same handler as a TCP
 * one, rewritten as if it came from a local HTTP client holding the admin
 * token: the TCP listener's Host, the admin token as its bearer, no cookie,
 * Origin or Referer. It then passes every check an HTTP request passes (guard,
 * body limits, schemas, permissions, audit as `cli` or `api`) — one auth path,
 * not two. Only `/api/…` is served: pages, `/mcp`, `/events` and `/metrics`
 * keep their own authentication on TCP.
 *
 * Agents never reach it: a sandbox mounts only the agent hub socket, and a
 * permission over the data directory cannot be approved
 * (core/sandbox/approve-check.ts). Without a sandbox an agent runs as the user
 * and could read the token file anyway. With the token in the daemon's
 * environment (OPENSENTIENCE_ADMIN_TOKEN) there is no file to equal, so the
 * daemon does not listen here at all.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from "node:fs";
import { ADMIN_TOKEN_ENV, type AdminToken } from "../api/auth/admin-token.ts";
import { jsonError } from "../api/errors.ts";
import { BUN_BODY_BACKSTOP_BYTES } from "../api/security/body-limits.ts";
import { AppError } from "../core/errors.ts";

/** Headers a socket request may not bring: the forwarder sets the credentials and the Host. */
const STRIPPED = ["authorization", "cookie", "origin", "referer", "host"] as const;

export interface LocalApiSocketOptions {
  path: string;
  /** The TCP listener's URL (`http://127.0.0.1:6767`): requests are handed on as if sent there. */
  url: string;
  token: AdminToken;
  handler: (req: Request) => Promise<Response>;
  log: { info(m: string): void; warn(m: string): void };
}

export interface LocalApiSocket {
  path: string;
  stop(): Promise<void>;
}

/** The request the handler sees for one that arrived on the socket, or a refusal. */
export function forwardedRequest(req: Request, url: string, token: AdminToken): Request | AppError {
  // The path as the client sent it, normalised by the URL parser (no `..` escapes /api/).
  const { pathname, search } = new URL(req.url);
  if (!pathname.startsWith("/api/")) return new AppError("not_found", `the local API socket serves only /api/ paths, not ${pathname}`);
  const headers = new Headers(req.headers);
  for (const name of STRIPPED) headers.delete(name);
  headers.set("authorization", `Bearer ${token.reveal()}`);
  const target = new URL(pathname + search, url);
  headers.set("host", target.host);
  const body = req.method === "GET" || req.method === "HEAD" ? null : req.body;
  return new Request(target, { method: req.method, headers, body, signal: req.signal, ...(body ? { duplex: "half" } : {}) } as RequestInit);
}

/** Whether `path` is a Unix socket (not following a symlink); false when nothing is there. */
export function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Removes what a crashed daemon left at `path`; anything but a socket is left alone (and reported). */
function clearStale(path: string): string | null {
  // Only a daemon holding this data directory's lock gets here, so no live daemon listens on it.
  if (isSocket(path)) unlinkSync(path);
  else if (existsSync(path)) return `${path} exists and is not a socket; remove it to let the CLI reach the daemon without the token file`;
  return null;
}

/** Listens on the socket; null (said in the log) when it must not or cannot — the CLI then uses TCP and the token. */
export function listenLocalApi(opts: LocalApiSocketOptions): LocalApiSocket | null {
  const { path, log } = opts;
  if (opts.token.source === "env") {
    // A token from the environment is held by the daemon and whoever the user gives it to, not by a file every
    // process of the user could read: the socket would let those in without it. A socket an earlier run left goes.
    clearStale(path);
    log.info(`local API socket: off (the admin token comes from ${ADMIN_TOKEN_ENV}; the CLI needs it too)`);
    return null;
  }
  const problem = clearStale(path);
  if (problem) {
    log.warn(`local API socket: ${problem}`);
    return null;
  }
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      unix: path,
      development: false,
      maxRequestBodySize: BUN_BODY_BACKSTOP_BYTES,
      fetch: (req) => {
        const fwd = forwardedRequest(req, opts.url, opts.token);
        return fwd instanceof AppError ? jsonError(fwd) : opts.handler(fwd);
      },
    });
    // The directory (0700) already keeps others out between bind and chmod; this is defence in depth.
    chmodSync(path, 0o600);
  } catch (e) {
    log.warn(`local API socket: cannot listen on ${path}: ${(e as Error).message}; the CLI will use ${opts.url} and the admin token`);
    return null;
  }
  log.info(`local API socket for the CLI on ${path}`);
  return {
    path,
    stop: async () => {
      await server.stop(true);
      if (isSocket(path)) unlinkSync(path);
    },
  };
}
