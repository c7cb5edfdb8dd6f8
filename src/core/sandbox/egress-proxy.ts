/**
 * The egress proxy: one per running agent whose approved permissions name
 * hosts (`network:egress:<host>`, not `*`). The agent's sandbox has its own
 * network namespace with only loopback; the launcher bind-mounts this proxy's
 * Unix socket into it and names it in `OPENSENTIENCE_EGRESS_SOCKET`. The SDK
 * bridges a loopback TCP port inside the sandbox to the socket, so ordinary
 * HTTP clients reach it through `HTTP(S)_PROXY`.
 *
 * It speaks a deliberately small HTTP/1.1 proxy dialect:
 *  - `CONNECT host:port HTTP/1.1` → `200 Connection established`, then a raw
 *    tunnel (TLS, or any protocol) to the destination;
 *  - an absolute-form plain HTTP request (`GET http://host[:port]/path HTTP/1.1`)
 *    → one request forwarded in origin form with the `Host` taken from the URL,
 *    hop-by-hop headers dropped and `Connection: close`; the response is
 *    relayed as it comes and the connection ends with it;
 *  - anything else → 400; a head over `maxHeaderBytes` → 431; a destination
 *    not approved, or resolving only to non-public addresses → 403;
 *    unreachable → 502, connect timeout → 504.
 * The decision is `decideEgress` on the requested name, then `isPublicAddress`
 * on each resolved address (see egress-policy.ts for the grammar and why);
 * the proxy connects to the checked address, never resolving the name twice.
 * Every refusal is passed to `audit` (the caller rate-limits and records it),
 * and so is every allowed destination, once, before connecting.
 */
import { promises as dns } from "node:dns";
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { decideEgress, isPublicAddress, normalizeHost, parseEgressRules } from "./egress-policy.ts";
import { originHead, parseProxyRequest } from "./egress-request.ts";

export * from "./egress-policy.ts";
export * from "./egress-request.ts";

export interface EgressAuditEvent {
  host: string;
  port: number;
  allowed: boolean;
  reason?: string;
}

export interface EgressProxyOptions {
  agentId: string;
  /** Where to listen (≤ 100 bytes). Its directory is created 0700 if missing; a symlink here is refused. */
  socketPath: string;
  /** Approved targets: `network:egress:<target>` permissions or bare targets (egress-policy.ts). */
  allow: readonly string[];
  audit: (e: EgressAuditEvent) => void;
  /** DNS lookup plus TCP connect, all addresses together (default 10 s). */
  connectTimeoutMs?: number;
  /** Time a client has to send its request head (default 10 s). */
  headerTimeoutMs?: number;
  /** An established tunnel or forwarded request with no traffic either way is closed after this (default 5 min). */
  idleTimeoutMs?: number;
  /** Request line + headers (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Concurrent client connections (default 128); more get 503. */
  maxConnections?: number;
  /** Name resolution; tests pass a fake. Default: the system resolver (`dns.lookup`, all addresses). */
  lookup?: (host: string) => Promise<readonly { address: string; family: number }[]>;
}

export interface EgressProxy {
  socketPath: string;
  /** Client connections currently open (tests, status). */
  connectionCount(): number;
  /** Stops listening, closes every connection (both sides) and removes the socket file. */
  close(): Promise<void>;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 431: "Request Header Fields Too Large", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

function errorResponse(status: number, message: string): string {
  const body = `opensentience egress proxy: ${message}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-OpenSentience-Egress: ${status === 403 ? "denied" : "error"}\r\n\r\n${body}`;
}

/** What an audit record may hold of a hostile host string. */
function shownHost(raw: string): string {
  return raw.replace(/[^\x21-\x7e]/g, "?").slice(0, 256);
}

/** Makes the socket's directory (0700 when created) and clears a stale socket; refuses symlinks and other files. */
async function prepareSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > 100) throw new Error(`egress socket path is too long for a Unix socket: ${path}`);
  const dir = dirname(path);
  let created = false;
  try {
    lstatSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    created = true;
  }
  const d = lstatSync(dir);
  if (!d.isDirectory()) throw new Error(`${dir} is not a directory (symlinks are refused)`);
  if (created) chmodSync(dir, 0o700);
  else if (typeof process.getuid === "function" && (d.uid !== process.getuid() || (d.mode & 0o022) !== 0)) {
    throw new Error(`${dir} must be owned by us and not writable by others`);
  }
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) throw new Error(`${path} is a symlink; refusing to follow it`);
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) throw new Error(`${path} belongs to another user`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw new Error(`another process is listening on ${path}`);
  unlinkSync(path);
}

/** Starts an agent's egress proxy on a Unix socket (mode 0600). */
export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  const rules = parseEgressRules(opts.allow);
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const headerTimeoutMs = opts.headerTimeoutMs ?? 10_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 300_000;
  const maxHeaderBytes = opts.maxHeaderBytes ?? 16 * 1024;
  const maxConnections = opts.maxConnections ?? 128;
  const lookup = opts.lookup ?? ((host: string) => dns.lookup(host, { all: true, verbatim: true }));
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();

  const audit = (e: EgressAuditEvent): void => {
    try {
      opts.audit(e);
    } catch {
      // the caller's recorder failing must not take the proxy down; the decision stands
    }
  };

  const refuse = (client: Socket, status: number, reason: string, host = "", port = 0, audited = true): void => {
    if (audited) audit({ host: shownHost(host), port, allowed: false, reason });
    if (client.destroyed) return;
    client.pause();
    client.end(errorResponse(status, reason));
    setTimeout(() => client.destroy(), 1_000).unref();
  };

  const handle = (client: Socket): void => {
    client.on("error", () => {});
    if (clients.size >= maxConnections) {
      refuse(client, 503, "too many connections", "", 0, true);
      return;
    }
    clients.add(client);
    client.once("close", () => clients.delete(client));
    let buf: Buffer = Buffer.alloc(0);
    client.setTimeout(headerTimeoutMs, () => {
      client.removeListener("data", onData);
      refuse(client, 408, "no request head in time", "", 0, false);
    });
    const onData = (chunk: Buffer): void => {
      const from = Math.max(0, buf.length - 3);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf("\r\n\r\n", from, "latin1");
      if (end < 0 || end > maxHeaderBytes) {
        if (buf.length > maxHeaderBytes) {
          client.removeListener("data", onData);
          refuse(client, 431, `request head larger than ${maxHeaderBytes} bytes`);
        }
        return;
      }
      client.removeListener("data", onData);
      client.pause();
      client.setTimeout(0);
      void dispatch(client, buf.subarray(0, end).toString("latin1"), buf.subarray(end + 4));
    };
    client.on("data", onData);
  };

  const dispatch = async (client: Socket, head: string, early: Buffer): Promise<void> => {
    const parsed = parseProxyRequest(head);
    if (!parsed.ok) return refuse(client, 400, parsed.reason);
    const req = parsed.request;
    const norm = normalizeHost(req.host);
    if (!norm.ok) return refuse(client, 400, `invalid host: ${norm.reason}`, req.host, req.port);
    const host = norm.host;
    const decision = decideEgress(rules, host, req.port);
    if (!decision.allowed) return refuse(client, 403, decision.reason, host.host, req.port);

    const deadline = Date.now() + connectTimeoutMs;
    let addresses: string[];
    if (host.kind !== "name") addresses = [host.host];
    else {
      try {
        const found = await withTimeout(lookup(host.host), connectTimeoutMs);
        addresses = found.map((a) => a.address);
      } catch (err) {
        const timedOut = err instanceof TimeoutError;
        return refuse(client, timedOut ? 504 : 502, timedOut ? `resolving ${host.host} timed out` : `cannot resolve ${host.host}`, host.host, req.port, false);
      }
    }
    const usable = decision.privateOk ? addresses : addresses.filter(isPublicAddress);
    if (usable.length === 0) {
      const why = addresses.length ? `${host.host} resolves only to non-public addresses (${addresses.slice(0, 4).join(", ")})` : `${host.host} has no address`;
      return refuse(client, 403, why, host.host, req.port, addresses.length > 0);
    }
    audit({ host: host.host, port: req.port, allowed: true });
    if (client.destroyed) return;

    const upstream = await connectFirst(usable, req.port, deadline, () => client.destroyed);
    if (!upstream.ok) return refuse(client, upstream.timedOut ? 504 : 502, upstream.reason, host.host, req.port, false);
    const up = upstream.socket;
    if (client.destroyed) {
      up.destroy();
      return;
    }
    upstreams.add(up);
    up.once("close", () => upstreams.delete(up));
    if (req.kind === "connect") client.write("HTTP/1.1 200 Connection established\r\n\r\n");
    else up.write(originHead(req, host), "latin1");
    if (early.length) up.write(early);
    splice(client, up, idleTimeoutMs);
  };

  await prepareSocketPath(opts.socketPath);
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  chmodSync(opts.socketPath, 0o600);
  const ino = lstatSync(opts.socketPath).ino;

  return {
    socketPath: opts.socketPath,
    connectionCount: () => clients.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of [...clients, ...upstreams]) s.destroy();
      await closed;
      try {
        // Only our own socket: another proxy may have taken the path meanwhile.
        if (lstatSync(opts.socketPath).ino === ino) unlinkSync(opts.socketPath);
      } catch {
        // already gone
      }
    },
  };
}

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutError("timeout")), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

type Connected = { ok: true; socket: Socket } | { ok: false; timedOut: boolean; reason: string };

/** Tries each checked address in order until one connects or the deadline passes. */
async function connectFirst(addresses: readonly string[], port: number, deadline: number, abandoned: () => boolean): Promise<Connected> {
  let last = "connection failed";
  for (const address of addresses) {
    const left = deadline - Date.now();
    if (left <= 0 || abandoned()) break;
    const r = await new Promise<Connected>((resolve) => {
      const s = createConnection({ host: address, port, allowHalfOpen: true });
      const t = setTimeout(() => {
        s.destroy();
        resolve({ ok: false, timedOut: true, reason: `connecting to ${address}:${port} timed out` });
      }, left);
      const failed = (err: NodeJS.ErrnoException): void => {
        clearTimeout(t);
        s.destroy();
        resolve({ ok: false, timedOut: false, reason: `cannot connect to ${address}:${port} (${err.code ?? err.message})` });
      };
      s.once("error", failed);
      s.once("connect", () => {
        clearTimeout(t);
        s.removeListener("error", failed);
        s.on("error", () => {}); // until splice() takes over
        resolve({ ok: true, socket: s });
      });
    });
    if (r.ok) return r;
    last = r.reason;
    if (r.timedOut) return r;
  }
  return { ok: false, timedOut: Date.now() >= deadline, reason: last };
}

/**
 * Pipes both ways with back-pressure. The client's half-close is passed on
 * (its FIN reaches the origin and the answer still comes back). When the
 * origin ends, the client gets the rest and both are closed; when either
 * socket closes or fails, the other is ended and destroyed; with no byte
 * either way for `idleTimeoutMs`, both are destroyed. Nothing outlives its peer.
 */
function splice(client: Socket, up: Socket, idleTimeoutMs: number): void {
  let last = Date.now();
  const touch = (): void => {
    last = Date.now();
  };
  const kill = (): void => {
    clearTimeout(idle);
    client.destroy();
    up.destroy();
  };
  const check = (): void => {
    const left = idleTimeoutMs - (Date.now() - last);
    if (left <= 0) kill();
    else idle = setTimeout(check, left).unref();
  };
  let idle = setTimeout(check, idleTimeoutMs).unref();
  const closeSoon = (s: Socket): void => {
    clearTimeout(idle);
    if (!s.destroyed) s.end(() => s.destroy());
    setTimeout(() => s.destroy(), 1_000).unref();
  };
  client.on("data", touch);
  up.on("data", touch);
  client.on("error", kill);
  up.on("error", kill);
  client.once("close", () => closeSoon(up));
  up.once("close", () => closeSoon(client));
  // The origin is done: flush the rest to the client, then close both.
  up.once("end", () => {
    if (client.writableFinished) kill();
    else client.once("finish", kill);
    setTimeout(kill, 5_000).unref();
  });
  client.pipe(up);
  up.pipe(client);
  client.resume();
}
