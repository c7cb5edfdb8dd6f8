/**
 * Live events for the browser: Server-Sent Events from the core EventBus.
 *
 * ## Contract (other UI code subscribes to this; keep it stable)
 *
 * `GET /events?topics=<t1>,<t2>,…` → `200 text/event-stream`.
 *
 * Auth: the browser session cookie only, checked by the global request guard
 * like every route (Host check, Origin check — a foreign Origin is 403 —
 * then the session). Without a session the answer is `401` JSON
 * (`{error: {code: "unauthorized", …}}`), never a redirect. Bearer tokens are
 * not accepted here (they are for /api). Bad topics are `400` JSON.
 *
 * Topics (at least one, at most 64, comma-separated):
 *   - `agent:<id>`         `agent.status` and `agent.log` of that agent; `agent.log` data is
 *                          `{type, agentId, stream: "stdout"|"stderr"|"agent"|"core", line, at, level?}`,
 *                          the runtime's (redacted) log lines. Lines are followed for agents that are
 *                          installed or known to the runtime when the stream opens.
 *   - `agents`             every `agent.status`
 *   - `progress:<topic>`   `progress` events whose `topic` equals <topic>, e.g. `progress:install:<id>`
 *   - `chat:<sessionId>`   `chat` events of that session
 *   - `audit`              every `audit` event
 *   - `catalog`            `catalog.changed` (extension: installs, syncs, rescans)
 *
 * Wire format:
 *   - first `retry: 2000`, then `event: hello` with
 *     `{"startedAt": <daemon start>, "csrf": <this session's CSRF token>, "topics": [...]}`
 *     (a page that reconnects after a daemon restart and a new login picks up
 *     the new CSRF token from here);
 *   - when the topics include `agents` or `agent:<id>`: one `event: snapshot` with
 *     `{"agents": [{"agentId", "install": {"state", "enabled", "devMode", "installedAt"} | null, "runtime": RuntimeStatus}]}`
 *     so a (re)connected page is current without reloading;
 *   - then every matching CoreEvent as `event: <CoreEvent.type>` + `data: <the CoreEvent as JSON>`
 *     (one line), run through `redactValue` first (ids — agentId, sessionId,
 *     topic, requestId, correlationId — are kept as they are);
 *   - a `: ping` comment every 15 s.
 *
 * Lifetime: the stream ends when the client goes away, when the daemon stops
 * (the HTTP server closes every connection; EventSource then reconnects on its
 * own after `retry`), or when the client falls behind: more than
 * `maxQueuedBytes` (256 KiB) waiting to be sent drops that client. A failing
 * client never breaks the EventBus or other clients.
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { type HttpDeps, sessionOf } from "../api/context.ts";
import { parseOrThrow } from "../api/schemas.ts";
import { jsonError } from "../api/errors.ts";
import { AppError, toAppError } from "../core/errors.ts";
import type { CoreEvent } from "../core/events.ts";
import { isAgentId } from "../core/manifest/permissions.ts";
import { redactValue } from "../core/redact.ts";
import type { LogLine } from "../core/runtime/agent-log.ts";
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";

export const SSE_PATH = "/events";
export const SSE_RETRY_MS = 2000;

export interface SseLimits {
  pingMs: number;
  /** Bytes that may wait for a slow client before it is dropped. */
  maxQueuedBytes: number;
  maxTopics: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { pingMs: 15_000, maxQueuedBytes: 256 * 1024, maxTopics: 64 };

export type Topic =
  | { kind: "agent"; agentId: string }
  | { kind: "agents" }
  | { kind: "progress"; topic: string }
  | { kind: "chat"; sessionId: string }
  | { kind: "audit" }
  | { kind: "catalog" };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROGRESS_RE = /^[\x21-\x7e]{1,300}$/;

/** Parses `a,b,c` into topics; throws `invalid_argument` naming the bad one. */
export function parseTopics(raw: string | undefined, max = DEFAULT_SSE_LIMITS.maxTopics): Topic[] {
  const parts = [...new Set((raw ?? "").split(",").map((s) => s.trim()).filter(Boolean))];
  if (parts.length === 0) throw new AppError("invalid_argument", "topics: name at least one topic (agent:<id>, agents, progress:<topic>, chat:<session id>, audit, catalog)");
  if (parts.length > max) throw new AppError("invalid_argument", `topics: at most ${max} topics per stream`);
  return parts.map((p): Topic => {
    if (p === "agents" || p === "audit" || p === "catalog") return { kind: p };
    const colon = p.indexOf(":");
    const head = colon > 0 ? p.slice(0, colon) : p;
    const rest = colon > 0 ? p.slice(colon + 1) : "";
    if (head === "agent" && isAgentId(rest)) return { kind: "agent", agentId: rest };
    if (head === "progress" && PROGRESS_RE.test(rest)) return { kind: "progress", topic: rest };
    if (head === "chat" && UUID_RE.test(rest)) return { kind: "chat", sessionId: rest.toLowerCase() };
    throw new AppError("invalid_argument", `topics: unknown or malformed topic ${JSON.stringify(p.slice(0, 80))}`);
  });
}

/** Whether one event belongs to any of the topics. */
export function eventMatches(topics: readonly Topic[], e: CoreEvent): boolean {
  for (const t of topics) {
    switch (t.kind) {
      case "agent":
        if ((e.type === "agent.status" || e.type === "agent.log") && e.agentId === t.agentId) return true;
        break;
      case "agents":
        if (e.type === "agent.status") return true;
        break;
      case "progress":
        if (e.type === "progress" && e.topic === t.topic) return true;
        break;
      case "chat":
        if (e.type === "chat" && e.sessionId === t.sessionId) return true;
        break;
      case "audit":
        if (e.type === "audit") return true;
        break;
      case "catalog":
        if (e.type === "catalog.changed") return true;
        break;
    }
  }
  return false;
}

/** Identifiers that routing depends on; `redactValue` would mask some of them by key name (e.g. sessionId). */
const ID_KEYS = ["type", "agentId", "sessionId", "topic", "requestId", "correlationId"] as const;

/** One SSE message: `event:` line, one `data:` line (JSON never contains raw newlines), blank line. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event.replace(/[\r\n]/g, "")}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A CoreEvent as it goes on the wire: redacted, ids intact. */
export function wireEvent(e: CoreEvent): string {
  const out = redactValue(e) as Record<string, unknown>;
  for (const k of ID_KEYS) if (k in e) out[k] = (e as Record<string, unknown>)[k];
  return sseMessage(e.type, out);
}

export interface AgentSnapshot {
  agentId: string;
  install: { state: string; enabled: boolean; devMode: boolean; installedAt: string } | null;
  runtime: RuntimeStatus;
}

/** Current install + runtime state of the agents the topics name (all known agents for `agents`). */
export function agentSnapshot(deps: Pick<HttpDeps, "runtime" | "services">, topics: readonly Topic[]): AgentSnapshot[] | null {
  const all = topics.some((t) => t.kind === "agents");
  const named = topics.flatMap((t) => (t.kind === "agent" ? [t.agentId] : []));
  if (!all && named.length === 0) return null;
  const ids = new Set(named);
  if (all) {
    for (const s of deps.runtime.statuses()) ids.add(s.agentId);
    for (const a of deps.services.search.search({ status: "installed", limit: 1000 }).agents) if (a.id) ids.add(a.id);
  }
  return [...ids].sort().map((agentId) => {
    const i = deps.services.catalog.installFor(agentId);
    return { agentId, install: i ? { state: i.state, enabled: i.enabled, devMode: i.devMode, installedAt: i.installedAt } : null, runtime: deps.runtime.status(agentId) };
  });
}

/** Agents whose log the runtime knows (installed or with a runtime slot): following others would create state for arbitrary ids. */
function knownAgent(deps: Pick<HttpDeps, "runtime" | "services">, agentId: string): boolean {
  return !!deps.services.catalog.installFor(agentId) || deps.runtime.statuses().some((s) => s.agentId === agentId);
}

/**
 * Open SSE connections of this daemon. Each has its own bus listener; a
 * listener only formats and enqueues (never throws, never blocks the bus).
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  /** Each event is redacted and serialized once, however many clients receive it. */
  private readonly wire = new WeakMap<CoreEvent, string>();

  private wireOnce(e: CoreEvent): string {
    let w = this.wire.get(e);
    if (w === undefined) this.wire.set(e, (w = wireEvent(e)));
    return w;
  }

  constructor(
    private readonly deps: Pick<HttpDeps, "runtime" | "services" | "startedAt">,
    private readonly limits: SseLimits = DEFAULT_SSE_LIMITS,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream (daemon shutdown; the server closing its sockets does the same). */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }

  /** The streaming response for one client. `csrf` is sent in `hello` (see the contract above). */
  stream(topics: Topic[], csrf: string, signal: AbortSignal): Response {
    const enc = new TextEncoder();
    const { deps, limits } = this;
    let close: () => void = () => {};
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          let closed = false;
          const cleanups: Array<() => void> = [];
          close = () => {
            if (closed) return;
            closed = true;
            this.open.delete(close);
            for (const c of cleanups.splice(0)) {
              try {
                c();
              } catch {
                // cleanup of a listener that is already gone
              }
            }
            try {
              controller.close();
            } catch {
              // the client already went away
            }
          };
          const send = (chunk: string) => {
            if (closed) return;
            try {
              controller.enqueue(enc.encode(chunk));
              // Falling behind: drop this client instead of buffering without bound.
              if ((controller.desiredSize ?? 0) < 0) close();
            } catch {
              close();
            }
          };
          this.open.add(close);
          send(`retry: ${SSE_RETRY_MS}\n\n`);
          send(sseMessage("hello", { startedAt: deps.startedAt, csrf, topics: topics.map(topicName) }));
          const snap = agentSnapshot(deps, topics);
          if (snap) send(sseMessage("snapshot", { agents: redactValue(snap) }));
          cleanups.push(
            deps.services.events.on((e) => {
              // A stream lives no longer than its session: the client reconnects, is refused, and shows the login.
              if (e.type === "auth.sessions_ended") {
                if (e.csrf === null || e.csrf === csrf) close();
                return;
              }
              // Log lines come from the runtime's log subscription below (the bus carries none today).
              if (e.type !== "agent.log" && eventMatches(topics, e)) send(this.wireOnce(e));
            }),
          );
          for (const t of topics) {
            if (t.kind !== "agent" || !knownAgent(deps, t.agentId)) continue;
            const agentId = t.agentId;
            cleanups.push(deps.runtime.followLogs(agentId, (l: LogLine) => send(wireEvent({ type: "agent.log", agentId, stream: l.stream, line: l.line, at: l.at, ...(l.level ? { level: l.level } : {}) } as CoreEvent))));
          }
          const ping = setInterval(() => send(": ping\n\n"), limits.pingMs);
          ping.unref?.();
          cleanups.push(() => clearInterval(ping));
          if (signal.aborted) close();
          else {
            const onAbort = () => close();
            signal.addEventListener("abort", onAbort, { once: true });
            cleanups.push(() => signal.removeEventListener("abort", onAbort));
          }
        },
        cancel: () => close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: limits.maxQueuedBytes }),
    );
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "x-accel-buffering": "no",
      },
    });
  }
}

function topicName(t: Topic): string {
  switch (t.kind) {
    case "agent":
      return `agent:${t.agentId}`;
    case "progress":
      return `progress:${t.topic}`;
    case "chat":
      return `chat:${t.sessionId}`;
    default:
      return t.kind;
  }
}

const eventsQuery = z.object({ topics: z.string().max(16_384).optional() }).strict();

/** `GET /events` (see the contract at the top of this file). */
export const eventRoutes = (deps: HttpDeps, limits: SseLimits = DEFAULT_SSE_LIMITS) => {
  const streams = new EventStreams(deps, limits);
  deps.services.metrics.bindSseClients(() => streams.size);
  return new Elysia({ name: "web.events" }).get(SSE_PATH, ({ query, request }) => {
    // Errors are JSON here (an EventSource or script reads them, not a person).
    try {
      const q = parseOrThrow(eventsQuery, query);
      const session = sessionOf(request);
      // The guard already refused anonymous requests; this keeps the handler safe on its own.
      if (!session) throw new AppError("unauthorized", "log in to the admin UI first");
      return streams.stream(parseTopics(q.topics, limits.maxTopics), session.session.csrf, request.signal);
    } catch (e) {
      return jsonError(toAppError(e));
    }
  });
};
