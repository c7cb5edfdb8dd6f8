/**
 * One agent's socket: decodes frames, validates messages, and writes frames
 * through a bounded outbound queue. A peer that stops reading until the queue
 * passes its cap is disconnected rather than letting memory grow.
 */
import type { Socket } from "bun";
import { buildError, encodeFrame, FrameDecoder, type Message, parseMessage } from "../../protocol/index.ts";

export type ConnState = "handshake" | "ready" | "closed";

/** Why the core closed a connection on a misbehaving peer (what the hub audits). */
export interface ConnRefusal {
  kind: "handshake" | "protocol";
  /** Protocol error code sent to the peer, or a close reason code (handshake_timeout, not_reading). */
  code: string;
  reason: string;
  /** The length a refused frame header declared. */
  frameLength?: number;
}

export interface ConnectionHooks {
  onMessage(conn: AgentConnection, msg: Message): void;
  onClose(conn: AgentConnection, reason: string): void;
}

export interface ConnectionOptions {
  maxFrameBytes: number;
  maxQueueBytes: number;
}

export class AgentConnection {
  state: ConnState = "handshake";
  agentId: string | null = null;
  launchId: number | null = null;
  sessionId: string | null = null;
  /** The agent id an unauthenticated hello claimed (set by the hub before checking its token). */
  claimedAgentId: string | null = null;
  /** Set when the core closes the connection because of the peer; the first cause wins. */
  refusal: ConnRefusal | null = null;
  /** Bytes received from the peer. */
  bytesIn = 0;
  /** Frames received, and frames and bytes sent (metrics: src/core/metrics). */
  framesIn = 0;
  framesOut = 0;
  bytesOut = 0;
  lastFrameAt = Date.now();
  readonly openedAt = Date.now();
  private readonly decoder: FrameDecoder;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private closeReason: string | null = null;

  constructor(
    private readonly socket: Socket<unknown>,
    private readonly opts: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes });
  }

  onData(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    this.bytesIn += chunk.length;
    const { frames, error } = this.decoder.push(chunk);
    for (const f of frames) {
      if (this.isClosed()) return;
      this.lastFrameAt = Date.now();
      this.framesIn++;
      const parsed = parseMessage(f);
      if (parsed.ok) {
        this.hooks.onMessage(this, parsed.msg);
        continue;
      }
      const reply = parsed.id ? { reply_to: parsed.id } : {};
      if (parsed.code === "unknown_type") {
        // §2: unknown types get an error and the connection stays open.
        this.send(buildError({ code: "unknown_type", message: parsed.message }, reply as { reply_to: string }));
        continue;
      }
      this.fail(parsed.code === "unsupported_version" ? "unsupported_version" : "bad_frame", parsed.message, parsed.id);
      return;
    }
    if (error) this.fail(error.code === "frame_too_large" ? "frame_too_large" : "bad_frame", error.message, undefined, "protocol", error.frameLength);
  }

  isClosed(): boolean {
    return this.state === "closed";
  }

  /**
   * Sends one protocol `error` frame then closes (§1). `kind` says what the
   * refusal was for the audit: a denied handshake or a protocol violation.
   */
  fail(
    code: "bad_frame" | "frame_too_large" | "unauthorized" | "unsupported_version" | "internal",
    message: string,
    replyTo?: string,
    kind: ConnRefusal["kind"] = "protocol",
    frameLength?: number,
  ): void {
    if (this.state === "closed") return;
    // Recorded before sending: if the error frame overflows the queue, this is still the cause.
    this.refusal ??= { kind, code, reason: message, ...(frameLength !== undefined ? { frameLength } : {}) };
    this.send(buildError({ code, message: message.slice(0, 1000) }, (replyTo ? { reply_to: replyTo } : {}) as { reply_to: string }));
    this.close(`${code}: ${message}`);
  }

  /** Closes because of the peer, without an error frame (it would not read one: deadline passed, not reading). */
  refuse(refusal: ConnRefusal): void {
    if (this.state === "closed") return;
    this.refusal ??= refusal;
    this.close(`${refusal.code}: ${refusal.reason}`);
  }

  send(msg: object): boolean {
    if (this.state === "closed") return false;
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(msg, this.opts.maxFrameBytes);
    } catch {
      return false;
    }
    this.framesOut++;
    this.bytesOut += bytes.length;
    if (this.queue.length > 0) return this.enqueue(bytes);
    const n = this.socket.write(bytes);
    if (n < bytes.length) return this.enqueue(bytes.subarray(Math.max(0, n)));
    return true;
  }

  private enqueue(bytes: Uint8Array): boolean {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > this.opts.maxQueueBytes) {
      this.refuse({ kind: "protocol", code: "not_reading", reason: `outbound queue over ${this.opts.maxQueueBytes} bytes (peer not reading)` });
      return false;
    }
    return true;
  }

  onDrain(): void {
    while (this.queue.length > 0 && this.state !== "closed") {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < head.length) {
        this.queue[0] = head.subarray(Math.max(0, n));
        this.queuedBytes -= Math.max(0, n);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.length;
    }
  }

  close(reason: string): void {
    if (this.state === "closed") return;
    this.closeReason = reason;
    this.state = "closed";
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.socket.end();
    } catch {
      // already closed
    }
    this.hooks.onClose(this, reason);
  }

  /** Called from the socket's close handler (peer hung up). */
  onSocketClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.hooks.onClose(this, this.closeReason ?? "connection closed by agent");
  }
}
