/**
 * Audit of refused agent connections: handshakes denied (bad or replayed
 * token, wrong protocol version, no hello before the deadline) and protocol
 * violations (oversize or malformed frames, a peer that stops reading).
 *
 * Anyone who can reach the agent socket can cause these, as fast as they can
 * connect, so the audit is rate-limited per kind (action + code): at most
 * `perWindow` events per window, then one summary event per window saying
 * how many more were refused. The trail keeps the first events of a flood
 * (who and how) and its size, and cannot be filled by it.
 */
import type { AuditInput } from "../audit/audit-log.ts";
import { type Clock, systemClock } from "../clock.ts";

export type RefusalAction = "agent.handshake" | "agent.protocol_violation";

export interface Refusal {
  action: RefusalAction;
  /**
   * Stable reason code: the protocol error code the peer was sent
   * (unauthorized, unsupported_version, bad_frame, frame_too_large) or, when
   * it was closed without one, handshake_timeout, not_reading or closed_before_hello.
   */
  code: string;
  /** What exactly was wrong (the error message). */
  reason: string;
  /** Before the handshake completed, or on an authenticated connection. */
  phase: "handshake" | "ready";
  /** The authenticated agent (phase ready). */
  agentId: string | null;
  /** The agent id an unauthenticated hello claimed, if it got that far. */
  claimedAgentId: string | null;
  /** Bytes the peer sent on this connection. */
  bytesIn: number;
  /** The length a refused frame header declared. */
  frameLength?: number;
}

export interface RefusalAuditOptions {
  /** Events recorded one by one per kind and window (default 20). */
  perWindow?: number;
  /** Default one minute. */
  windowMs?: number;
  clock?: Clock;
  /** Where a failed audit write is reported (default: a warning on stderr, like the daemon's log). */
  onError?: (e: Error) => void;
}

interface Window {
  action: RefusalAction;
  code: string;
  start: number;
  recorded: number;
  suppressed: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class RefusalAudit {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly onError: (e: Error) => void;
  /** One per kind; kinds are a small fixed set (actions × codes above), so this stays small. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly audit: { record(input: AuditInput): unknown },
    opts: RefusalAuditOptions = {},
  ) {
    this.perWindow = opts.perWindow ?? 20;
    this.windowMs = opts.windowMs ?? 60_000;
    this.clock = opts.clock ?? systemClock;
    this.onError = opts.onError ?? ((e) => console.warn(`[opensentience] warning: could not audit a refused agent connection: ${e.message}`));
  }

  record(r: Refusal): void {
    const key = `${r.action}:${r.code}`;
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (w && now - w.start >= this.windowMs) {
      this.close(key, w);
      w = undefined;
    }
    if (!w) {
      w = { action: r.action, code: r.code, start: now, recorded: 0, suppressed: 0, timer: null };
      this.windows.set(key, w);
    }
    if (w.recorded < this.perWindow) {
      w.recorded++;
      this.write({
        actor: "agent",
        action: r.action,
        // A claimed id is filed under that agent too: attempts against it show in `audit --agent`.
        agentId: r.agentId ?? r.claimedAgentId,
        outcome: "denied",
        details: {
          code: r.code,
          reason: r.reason.slice(0, 300),
          phase: r.phase,
          bytes_in: r.bytesIn,
          ...(r.agentId === null && r.claimedAgentId !== null ? { claimed_agent_id: r.claimedAgentId } : {}),
          ...(r.frameLength !== undefined ? { frame_length: r.frameLength } : {}),
        },
      });
      return;
    }
    w.suppressed++;
    if (!w.timer) {
      const win = w;
      // The summary is written when the window ends even if the flood stopped; unref: it never keeps the process alive.
      win.timer = setTimeout(() => this.close(key, win), Math.max(0, win.start + this.windowMs - now));
      (win.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Writes the pending summaries now (the hub stopped: nothing more will be refused). */
  flush(): void {
    for (const [key, w] of [...this.windows]) this.close(key, w);
  }

  private close(key: string, w: Window): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    if (this.windows.get(key) === w) this.windows.delete(key);
    if (w.suppressed === 0) return;
    this.write({
      actor: "agent",
      action: w.action,
      agentId: null,
      outcome: "denied",
      details: {
        code: w.code,
        suppressed: w.suppressed,
        window_ms: this.windowMs,
        since: new Date(w.start).toISOString(),
        reason: `suppressed ${w.suppressed} more refusals (${w.code}) after the first ${this.perWindow} in this window`,
      },
    });
  }

  private write(input: AuditInput): void {
    try {
      this.audit.record(input);
    } catch (e) {
      // Called from socket handlers and a timer: a failing store must not take the hub down;
      // the peer is refused either way.
      this.onError(e as Error);
    }
  }
}
