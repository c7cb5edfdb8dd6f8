/**
 * `/mcp`: MCP over Streamable HTTP (the SDK's web-standard transport, one per
 * session). The request guard has already checked Host, Origin and the
 * client token (src/api/auth/request-guard.ts); here each session is bound to
 * the token that initialized it — a request for a session with another token,
 * or after the token was revoked, gets the SDK's "Session not found" (404).
 *
 * Sessions live in memory: at most MAX_PER_TOKEN per token (the least
 * recently used one is closed to make room) and MAX_SESSIONS in all; a
 * session unused for IDLE_MS is closed (clients start a new one on 404). A
 * revoked token's sessions end at once. When the set of tools changes
 * (`tools.changed` on the EventBus) every session whose scope covers that
 * agent gets `notifications/tools/list_changed` on its GET stream.
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { ClientPrincipal, ClientTokens } from "../core/client-tokens/client-tokens.ts";
import { scopeCoversAgent } from "../core/client-tokens/scope.ts";
import { domainCodeOf } from "../core/errors.ts";
import type { EventBus } from "../core/events.ts";
import type { Runtime } from "../core/runtime/runtime.ts";
import { createMcpServer, listChangedNotifier, type McpBackend } from "./server.ts";
import { mcpToolViews } from "./tool-view.ts";

export const MCP_PATH = "/mcp";
const SESSION_HEADER = "mcp-session-id";
const MAX_SESSIONS = 256;
const MAX_PER_TOKEN = 32;
const IDLE_MS = 60 * 60_000;
const SWEEP_MS = 60_000;
/** A tool call's arguments are bounded by the daemon's body limit before this; the SDK's own bound is a backstop. */
const TRANSPORT_BODY_BYTES = 4 * 1024 * 1024;

interface Session {
  id: string;
  token: ClientPrincipal;
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  notifier: ReturnType<typeof listChangedNotifier>;
}

export interface McpHttpDeps {
  runtime: Runtime;
  events: EventBus;
  clientTokens: ClientTokens;
  now?: () => number;
}

const jsonRpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), { status, headers: { "content-type": "application/json" } });

/** The daemon as an MCP backend for one client token: its scope for listing and routing, `mcp` as the caller. */
export function daemonBackend(runtime: Runtime, token: ClientPrincipal): McpBackend {
  return {
    listTools: async () => mcpToolViews(runtime.tools(), token.scope),
    callTool: async (c) => {
      const o = await runtime.call({
        tool: c.toolId,
        arguments: c.arguments,
        caller: { kind: "mcp", id: token.name, ...(c.client ? { client: { name: c.client.name, version: c.client.version } } : {}) },
        scope: token.scope,
        signal: c.signal,
        ...(c.onProgress ? { onProgress: c.onProgress } : {}),
      });
      // The API's codes (wire `invalid_arguments` is `invalid_argument`), as `opensentience mcp` gets them from the daemon.
      return o.ok ? { ok: true, output: o.output } : { ok: false, error: { code: domainCodeOf(o.error.code), message: o.error.message } };
    },
  };
}

export class McpHttpSessions {
  private readonly sessions = new Map<string, Session>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly unhooks: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly deps: McpHttpDeps) {
    this.now = deps.now ?? Date.now;
    this.unhooks.push(
      deps.events.on((e) => {
        if (e.type !== "tools.changed") return;
        for (const s of this.sessions.values()) if (scopeCoversAgent(s.token.scope, e.agentId)) s.notifier.changed();
      }),
      deps.clientTokens.onRevoke((name) => {
        for (const s of [...this.sessions.values()]) if (s.token.name === name) void this.close(s);
      }),
    );
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Answers one request to /mcp from a client holding `token` (already verified by the guard). */
  async handle(req: Request, token: ClientPrincipal): Promise<Response> {
    const id = req.headers.get(SESSION_HEADER);
    if (id !== null) {
      const s = this.sessions.get(id);
      if (!s || s.token.name !== token.name) return jsonRpcError(404, -32001, "Session not found");
      s.lastSeen = this.now();
      const res = await s.transport.handleRequest(req);
      this.noteUse(s);
      return res;
    }
    if (req.method !== "POST") return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
    if (!this.makeRoom(token.name)) return jsonRpcError(503, -32000, `too many MCP sessions (${MAX_SESSIONS}); try again later`);
    const server = createMcpServer(daemonBackend(this.deps.runtime, token));
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: TRANSPORT_BODY_BYTES,
      onsessioninitialized: (sid) => {
        session = { id: sid, token, server, transport, lastSeen: this.now(), notifier: listChangedNotifier(server) };
        this.sessions.set(sid, session);
        this.startSweeper();
      },
      onsessionclosed: (sid) => {
        const s = this.sessions.get(sid);
        if (s) void this.close(s);
      },
    });
    await server.connect(transport);
    const res = await transport.handleRequest(req);
    if (session) this.noteUse(session);
    else await server.close().catch(() => {}); // not an initialize request: nothing to keep
    return res;
  }

  /** Ends every session (daemon stop). */
  async closeAll(): Promise<void> {
    for (const u of this.unhooks.splice(0)) u();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }

  private noteUse(s: Session): void {
    const c = s.server.getClientVersion();
    try {
      this.deps.clientTokens.noteUse(s.token.name, c ? `${c.name}/${c.version}`.slice(0, 300) : null);
    } catch {
      // bookkeeping only
    }
  }

  private async close(s: Session): Promise<void> {
    if (this.sessions.get(s.id) !== s) return;
    this.sessions.delete(s.id);
    s.notifier.stop();
    await s.server.close().catch(() => {});
  }

  /** Frees a slot for a new session of `tokenName`; false when the daemon-wide limit is reached. */
  private makeRoom(tokenName: string): boolean {
    const mine = [...this.sessions.values()].filter((s) => s.token.name === tokenName);
    if (mine.length >= MAX_PER_TOKEN) {
      const lru = mine.reduce((a, b) => (a.lastSeen <= b.lastSeen ? a : b));
      void this.close(lru);
    }
    return this.sessions.size < MAX_SESSIONS;
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const cutoff = this.now() - IDLE_MS;
      for (const s of [...this.sessions.values()]) if (s.lastSeen < cutoff) void this.close(s);
      if (this.sessions.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, SWEEP_MS);
    this.sweeper.unref?.();
  }
}
