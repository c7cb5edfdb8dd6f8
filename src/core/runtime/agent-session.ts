/**
 * The agent session: what the hub hands an authenticated connection to. It
 * checks the launch token against the slot waiting for it, builds the router
 * link (limits, negotiated capabilities), answers `tools.register`, and turns
 * heartbeats, logs and disconnects into calls on its host (the Supervisor),
 * which owns the slot and makes every state change.
 */
import { buildError, buildToolsRegistered, type Message, type MessageOf } from "../../protocol/index.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Limits } from "../config/schema.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { AgentConnection } from "./agent-connection.ts";
import { CallLimiter } from "./call-limits.ts";
import type { HubHandler } from "./hub.ts";
import type { LaunchTokens } from "./launch-tokens.ts";
import { type Refusal, RefusalAudit } from "./refusal-audit.ts";
import type { AgentLink, Router } from "./router.ts";
import type { Slot } from "./slot.ts";

/** State changes a session reports; implemented by the slot owner. */
export interface SessionHost {
  /** The slot of an agent this daemon knows, if any (never creates one). */
  slotOf(agentId: string): Slot | undefined;
  /** Handshake done: the agent is connected through `link`. */
  connected(slot: Slot, link: AgentLink, hello: MessageOf<"hello">): void;
  /** The agent registered its tools: a launch waiting for it is ready. */
  toolsRegistered(slot: Slot): void;
  /** A heartbeat arrived from an agent marked unhealthy. */
  healthyAgain(slot: Slot): void;
  /** The connection is gone (the process may still live). */
  disconnected(slot: Slot, reason: string): void;
}

export interface SessionDeps {
  audit: AuditLog;
  tokens: LaunchTokens;
  router: Router;
  host: SessionHost;
  /** The installed manifest (limits and declared capabilities), or null when unusable. */
  manifestOf(agentId: string): Manifest | null;
  limits: Pick<Limits, "max_concurrency" | "calls_per_minute" | "default_tool_timeout_ms" | "max_tool_timeout_ms">;
  /** Counts the frames and bytes of every authenticated connection when it closes. */
  metrics?: Pick<Metrics, "connectionClosed">;
}

export interface AgentCallLimits {
  maxConcurrency: number;
  callsPerMinute: number;
  timeoutMs: number;
}

/** A manifest may only tighten the operator's limits, never loosen them. */
export function effectiveCallLimits(manifest: Pick<Manifest, "execution_limits"> | null, L: SessionDeps["limits"]): AgentCallLimits {
  const m = manifest?.execution_limits;
  return {
    maxConcurrency: Math.min(m?.max_concurrency ?? L.max_concurrency, L.max_concurrency),
    callsPerMinute: Math.min(m?.calls_per_minute ?? L.calls_per_minute, L.calls_per_minute),
    timeoutMs: Math.min(m?.timeout_ms ?? L.default_tool_timeout_ms, L.max_tool_timeout_ms),
  };
}

/** How long a connected agent has been silent, when that is over the baseline's three heartbeat intervals (§7). */
export function silentForMs(link: AgentLink, now: number, heartbeatIntervalMs: number): number | null {
  const silent = now - link.conn.lastFrameAt;
  return silent > 3 * heartbeatIntervalMs ? silent : null;
}

export class AgentSessions implements HubHandler {
  /** Refused handshakes and protocol violations, audited at a bounded rate (the socket is reachable by any local process of the user). */
  private readonly refusals: RefusalAudit;

  constructor(private readonly d: SessionDeps) {
    this.refusals = new RefusalAudit(d.audit);
  }

  /** A denial here is audited by the hub's `onRefused` with every other refusal (one place, one rate limit). */
  authenticate(agentId: string, token: string): { ok: true; launchId: number } | { ok: false; reason: string } {
    const r = this.d.tokens.consume(agentId, token);
    if (!r.ok) return r;
    const slot = this.d.host.slotOf(agentId);
    if (!slot || slot.launchId !== r.launchId || slot.state !== "starting") return { ok: false, reason: "no launch is waiting for this agent" };
    if (slot.link && !slot.link.conn.isClosed()) return { ok: false, reason: "agent is already connected" };
    return r;
  }

  onRefused(refusal: Refusal): void {
    this.refusals.record(refusal);
  }

  onStopped(): void {
    this.refusals.flush();
  }

  maxConcurrentCalls(agentId: string): number {
    return effectiveCallLimits(this.d.manifestOf(agentId), this.d.limits).maxConcurrency;
  }

  onReady(conn: AgentConnection, hello: MessageOf<"hello">): void {
    const slot = this.d.host.slotOf(conn.agentId!);
    if (!slot) return;
    const manifest = this.d.manifestOf(slot.agentId);
    // Only capabilities the installed manifest declared count; an agent cannot grant itself `chat`.
    const declared = new Set(manifest?.capabilities ?? []);
    const lim = effectiveCallLimits(manifest, this.d.limits);
    const link: AgentLink = {
      conn,
      healthy: true,
      limiter: new CallLimiter({ maxConcurrency: lim.maxConcurrency, callsPerMinute: lim.callsPerMinute, maxQueued: 256 }),
      defaultTimeoutMs: lim.timeoutMs,
      capabilities: hello.payload.capabilities.filter((c) => declared.has(c)),
    };
    this.d.host.connected(slot, link, hello);
  }

  onMessage(conn: AgentConnection, msg: Message): void {
    const slot = this.d.host.slotOf(conn.agentId!);
    // Frames from a connection the slot no longer uses (a previous launch) are dropped.
    if (!slot || slot.link?.conn !== conn) return;
    switch (msg.type) {
      case "tools.register": {
        const result = this.d.router.register(slot.agentId, msg);
        conn.send(buildToolsRegistered(result, { reply_to: msg.id }));
        this.d.host.toolsRegistered(slot);
        return;
      }
      case "heartbeat":
        // lastFrameAt (updated by the connection for every frame) is the liveness signal.
        if (!slot.link.healthy) this.d.host.healthyAgain(slot);
        return;
      case "log":
        slot.log.append("agent", msg.payload.message, msg.payload.level);
        return;
      case "error":
        slot.log.append("core", `agent reported protocol error ${msg.payload.code}: ${msg.payload.message}`);
        return;
      default:
        if (!this.d.router.handleAgentFrame(conn, msg)) {
          conn.send(buildError({ code: "bad_frame", message: `${msg.type} is not expected from an agent` }, { reply_to: msg.id }));
        }
    }
  }

  onDisconnect(conn: AgentConnection, reason: string): void {
    this.d.metrics?.connectionClosed(conn.agentId!, conn);
    const slot = this.d.host.slotOf(conn.agentId!);
    if (!slot || slot.link?.conn !== conn) return;
    this.d.host.disconnected(slot, reason);
  }
}
