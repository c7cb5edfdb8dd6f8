/**
 * The connection hub: a Unix socket (dir 0700, socket 0600) agents connect back
 * to. It owns the handshake (deadline, one-time token, version negotiation)
 * and hands authenticated connections to the runtime. Every connection it
 * closes on a misbehaving peer — before or after the handshake — is reported
 * to the handler's `onRefused` (audited, rate-limited: see refusal-audit.ts).
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { Socket, UnixSocketListener } from "bun";
import { buildWelcome, type Message, type MessageOf, PROTOCOL_VERSION } from "../../protocol/index.ts";
import { AppError } from "../errors.ts";
import { AgentConnection } from "./agent-connection.ts";
import type { Refusal } from "./refusal-audit.ts";

export interface HubHandler {
  authenticate(agentId: string, token: string): { ok: true; launchId: number } | { ok: false; reason: string };
  maxConcurrentCalls(agentId: string): number;
  onReady(conn: AgentConnection, hello: MessageOf<"hello">): void;
  onMessage(conn: AgentConnection, msg: Message): void;
  onDisconnect(conn: AgentConnection, reason: string): void;
  /** A peer was refused (handshake denied, protocol violated) and its connection closed. */
  onRefused?(refusal: Refusal): void;
  /** The hub stopped listening: nothing more will be refused. */
  onStopped?(): void;
}

export interface HubOptions {
  socketPath: string;
  maxFrameBytes: number;
  handshakeTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Outbound bytes buffered for a slow reader before it is disconnected. */
  maxQueueBytes?: number;
}

type SocketData = { conn: AgentConnection; timer?: ReturnType<typeof setTimeout> };

export class Hub {
  private listener: UnixSocketListener<SocketData> | null = null;
  readonly connections = new Set<AgentConnection>();
  private stopping = false;

  constructor(
    private readonly opts: HubOptions,
    private readonly handler: HubHandler,
  ) {}

  async start(): Promise<void> {
    const path = this.opts.socketPath;
    if (Buffer.byteLength(path) > 100) throw new AppError("invalid_config", `agent socket path is too long for a Unix socket (${path}); use a shorter OPENSENTIENCE_HOME`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    chmodSync(dirname(path), 0o700);
    await this.clearStaleSocket(path);
    const self = this;
    this.listener = Bun.listen<SocketData>({
      unix: path,
      socket: {
        open(socket) {
          const conn = new AgentConnection(socket as Socket<unknown>, { maxFrameBytes: self.opts.maxFrameBytes, maxQueueBytes: self.opts.maxQueueBytes ?? 8 * 1024 * 1024 }, {
            onMessage: (c, m) => self.dispatch(c, m),
            onClose: (c, reason) => self.closed(c, reason),
          });
          socket.data = { conn };
          self.connections.add(conn);
          socket.data.timer = setTimeout(() => {
            if (conn.state === "handshake") conn.refuse({ kind: "handshake", code: "handshake_timeout", reason: `no hello within ${self.opts.handshakeTimeoutMs} ms` });
          }, self.opts.handshakeTimeoutMs);
        },
        data(socket, chunk) {
          socket.data.conn.onData(chunk);
        },
        drain(socket) {
          socket.data.conn.onDrain();
        },
        close(socket) {
          clearTimeout(socket.data?.timer);
          socket.data?.conn.onSocketClosed();
        },
        error(socket) {
          socket.data?.conn.onSocketClosed();
        },
      },
    });
    chmodSync(path, 0o600);
  }

  /** Replaces a leftover socket only if it is ours (a socket file owned by us that nobody answers on). */
  private async clearStaleSocket(path: string): Promise<void> {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (!st.isSocket()) throw new AppError("conflict", `${path} exists and is not a socket; refusing to replace it`);
    if (typeof process.getuid === "function" && st.uid !== process.getuid()) {
      throw new AppError("forbidden", `${path} belongs to another user; refusing to replace it`);
    }
    const answered = await Bun.connect({ unix: path, socket: { data() {}, open(s) { s.end(); } } }).then(
      () => true,
      () => false,
    );
    if (answered) throw new AppError("already_running", `another daemon is listening on ${path}`);
    unlinkSync(path);
  }

  private dispatch(conn: AgentConnection, msg: Message): void {
    if (conn.state === "handshake") {
      if (msg.type !== "hello") {
        conn.fail("unauthorized", `expected hello, got ${msg.type}`, msg.id, "handshake");
        return;
      }
      this.handshake(conn, msg);
      return;
    }
    if (msg.type === "hello") {
      conn.fail("bad_frame", "hello after the handshake", msg.id);
      return;
    }
    this.handler.onMessage(conn, msg);
  }

  private handshake(conn: AgentConnection, hello: MessageOf<"hello">): void {
    const { agent_id, token, protocol } = hello.payload;
    conn.claimedAgentId = agent_id;
    const auth = this.handler.authenticate(agent_id, token);
    if (!auth.ok) {
      conn.fail("unauthorized", auth.reason, hello.id, "handshake");
      return;
    }
    if (protocol.min > PROTOCOL_VERSION || protocol.max < PROTOCOL_VERSION) {
      conn.fail("unsupported_version", `agent speaks protocol ${protocol.min}-${protocol.max}; core speaks ${PROTOCOL_VERSION}`, hello.id, "handshake");
      return;
    }
    conn.agentId = agent_id;
    conn.launchId = auth.launchId;
    conn.sessionId = crypto.randomUUID();
    conn.state = "ready";
    conn.send(
      buildWelcome(
        {
          protocol_version: PROTOCOL_VERSION,
          session_id: conn.sessionId,
          heartbeat_interval_ms: this.opts.heartbeatIntervalMs,
          max_frame_bytes: this.opts.maxFrameBytes,
          max_concurrent_calls: this.handler.maxConcurrentCalls(agent_id),
        },
        { reply_to: hello.id },
      ),
    );
    this.handler.onReady(conn, hello);
  }

  private closed(conn: AgentConnection, reason: string): void {
    this.connections.delete(conn);
    if (conn.agentId) this.handler.onDisconnect(conn, reason);
    const refusal = this.refusalOf(conn);
    if (refusal) this.handler.onRefused?.(refusal);
  }

  /** What to audit about a closed connection, if it was refused (or left mid-handshake after sending bytes). */
  private refusalOf(conn: AgentConnection): Refusal | null {
    const handshakeDone = conn.sessionId !== null;
    const base = { phase: handshakeDone ? ("ready" as const) : ("handshake" as const), agentId: conn.agentId, claimedAgentId: conn.claimedAgentId, bytesIn: conn.bytesIn };
    const r = conn.refusal;
    if (r) {
      return {
        ...base,
        action: r.kind === "handshake" ? "agent.handshake" : "agent.protocol_violation",
        code: r.code,
        reason: r.reason,
        ...(r.frameLength !== undefined ? { frameLength: r.frameLength } : {}),
      };
    }
    // A peer that sent something but never completed a hello and hung up: probing or garbage.
    // (One that connects and leaves without a byte — e.g. a second daemon checking the socket — is not.)
    if (!handshakeDone && conn.bytesIn > 0 && !this.stopping) {
      return { ...base, action: "agent.handshake", code: "closed_before_hello", reason: "closed the connection before completing a hello" };
    }
    return null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of [...this.connections]) c.close("daemon stopping");
    this.listener?.stop(true);
    this.listener = null;
    this.handler.onStopped?.();
    try {
      unlinkSync(this.opts.socketPath);
    } catch {
      // already removed
    }
  }
}
