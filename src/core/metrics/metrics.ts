/**
 * The daemon's metrics (issue 15): tool calls by outcome with latency
 * histograms and in-flight counts, per-agent lifecycle and traffic counters,
 * and daemon counters (HTTP requests, SSE clients, registry syncs, builds).
 *
 * Cost on the hot path: the router calls `admitted` and `callDone` once per
 * call; both find a preallocated series by the tool id (one Map lookup) and
 * increment numbers in typed arrays. Nothing else runs per call: the rollups
 * are written once a minute, the UI is told about new calls at most once a
 * second per agent, and exposition happens only when scraped.
 *
 * Lifecycle events (restarts, crashes, egress and tool.invoke denials, builds,
 * registry syncs) are counted from the audit events the services already
 * record, so they need no hooks of their own.
 */
import type { Database } from "bun:sqlite";
import type { AuditEvent } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import type { EventBus } from "../events.ts";
import type { RuntimeStatus } from "../runtime/runtime-status.ts";
import { bucketIndex } from "./histogram.ts";
import { LabeledHistogram } from "./labeled-histogram.ts";
import { minuteOf, RollupStore } from "./rollups.ts";
import { AgentSeries, DENIAL_CATEGORIES, type DenialCategory, OUTCOME_INDEX, ToolSeries } from "./series.ts";

/** What metrics read from the runtime (bound by the Runtime once it exists). */
export interface MetricsRuntimeView {
  /** Whether the tool id is registered now (only those get a series of their own). */
  isTool(toolId: string): boolean;
  /** Whether the agent is installed or known to the runtime. */
  knowsAgent(agentId: string): boolean;
  statuses(): RuntimeStatus[];
  /** Frame and byte counters of the agent's live connection. */
  connection(agentId: string): ConnectionCounters | null;
  /** Publishes the agent's status (the UI refreshes its tool table on it). */
  announce(agentId: string): void;
}

export interface ConnectionCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** The error part of a finished call, as the router has it. */
export interface CallErrorLike {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface MetricsOptions {
  sqlite: Database;
  clock: Clock;
  events: EventBus;
  /** Rollups older than this are pruned (default 7 days). */
  retentionDays?: number;
}

export const DEFAULT_METRICS_RETENTION_DAYS = 7;
/** At most this many tool series; calls to further tools are counted under `_other`. */
const MAX_SERIES = 5000;
const UNKNOWN = "_unknown";
const UNREGISTERED = "_unregistered";

export type HttpRouteClass = "api" | "mcp" | "events" | "metrics" | "login" | "asset" | "page";

/** The route class of a request URL (`http://host/path?...`), without parsing it into a URL object. */
export function routeClassOf(url: string): HttpRouteClass {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const path = start < 0 ? "/" : url.slice(start, start + 12);
  if (path.startsWith("/api/")) return "api";
  if (path.startsWith("/mcp")) return "mcp";
  if (path.startsWith("/events")) return "events";
  if (path.startsWith("/metrics")) return "metrics";
  if (path.startsWith("/login") || path.startsWith("/logout")) return "login";
  if (path.startsWith("/assets/") || path.startsWith("/favicon")) return "asset";
  return "page";
}

export class Metrics {
  readonly startedAt: number;
  readonly retentionDays: number;
  readonly rollups: RollupStore;
  private readonly byTool = new Map<string, ToolSeries>();
  private readonly agents = new Map<string, AgentSeries>();
  private readonly changed = new Set<AgentSeries>();
  private view: MetricsRuntimeView | null = null;
  private minute: number;
  private lastPrune = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** HTTP responses by route class, then status. */
  readonly http = new Map<HttpRouteClass, Map<number, number>>();
  readonly registrySyncs = new LabeledHistogram();
  readonly builds = new LabeledHistogram();
  private sseClients: () => number = () => 0;

  constructor(private readonly o: MetricsOptions) {
    this.startedAt = o.clock.now();
    this.minute = minuteOf(this.startedAt);
    this.retentionDays = o.retentionDays ?? DEFAULT_METRICS_RETENTION_DAYS;
    this.rollups = new RollupStore(o.sqlite);
  }

  bindRuntime(view: MetricsRuntimeView): void {
    this.view = view;
  }

  bindSseClients(count: () => number): void {
    this.sseClients = count;
  }

  get runtime(): MetricsRuntimeView | null {
    return this.view;
  }

  /** Starts the once-a-second tick (UI notifications, minute rollups, pruning) and the audit listener. Daemon only. */
  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.o.events.on((e) => {
      if (e.type === "audit") this.onAudit(e.event);
    });
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref?.();
    this.prune();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.flush();
  }

  // ------------------------------------------------------------- hot path

  /** The series of a tool id; unregistered ids share one series per known agent (hostile ids cannot grow the table). */
  series(toolId: string): ToolSeries {
    const s = this.byTool.get(toolId);
    if (s) return s;
    return this.newSeries(toolId);
  }

  /** A call passed admission: counts as in flight until `left`. */
  admitted(toolId: string): ToolSeries {
    const s = this.series(toolId);
    s.inflight++;
    return s;
  }

  left(s: ToolSeries): void {
    s.inflight--;
  }

  /** A call finished (any outcome, also refusals before admission). `error` null means ok. */
  callDone(toolId: string, error: CallErrorLike | null, durationMs: number): void {
    const s = this.series(toolId);
    const o = error === null ? 0 : outcomeIndex(error.code);
    s.outcomes[o]!++;
    s.pendingOutcomes[o]!++;
    const b = bucketIndex(durationMs);
    s.buckets[b]!++;
    s.pendingBuckets[b]!++;
    s.sumMs += durationMs;
    s.pendingSumMs += durationMs;
    s.pending = true;
    if (o === OUTCOME_INDEX.denied) s.agent.denials[DENIAL_CATEGORIES.indexOf(denialCategory(error!))]!++;
    if (!s.agent.changed) {
      s.agent.changed = true;
      this.changed.add(s.agent);
    }
  }

  /** A chat turn sent to a running agent finished (`outcome`: ok, error, canceled or timeout). */
  chatDone(agentId: string, outcome: "ok" | "error" | "canceled" | "timeout", durationMs: number): void {
    this.agent(agentId).chat.observe(outcome, durationMs);
  }

  // ------------------------------------------------------ other counters

  /** An agent connection closed: its frame and byte counters move to the agent's totals. */
  connectionClosed(agentId: string, c: ConnectionCounters): void {
    const a = this.agent(agentId);
    a.framesIn += c.framesIn;
    a.framesOut += c.framesOut;
    a.bytesIn += c.bytesIn;
    a.bytesOut += c.bytesOut;
  }

  /** An HTTP response of a route class (opensentience_http_requests_total). */
  httpResponse(cls: HttpRouteClass, status: number): void {
    let m = this.http.get(cls);
    if (!m) this.http.set(cls, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  sseClientCount(): number {
    return this.sseClients();
  }

  /** Lifecycle events, from the audit trail. */
  private onAudit(e: AuditEvent): void {
    const d = e.details;
    switch (e.action) {
      case "agent.restart":
        if (e.agentId) this.agent(e.agentId).restarts++;
        return;
      case "agent.crash":
        if (e.agentId) this.agent(e.agentId).crashes++;
        return;
      case "agent.launch":
        if (e.agentId) this.agent(e.agentId).launches++;
        return;
      case "agent.egress_denied":
        if (e.agentId) this.agent(e.agentId).denials[DENIAL_CATEGORIES.indexOf("egress")]!++;
        return;
      case "tool.invoke":
        if (e.agentId && e.outcome === "denied") this.agent(e.agentId).denials[DENIAL_CATEGORIES.indexOf("tool_invoke")]!++;
        return;
      case "agent.build":
        if (typeof d.duration_ms === "number") this.builds.observe(e.outcome, d.duration_ms);
        return;
      case "registry.sync":
        if (typeof d.duration_ms === "number") this.registrySyncs.observe(e.outcome, d.duration_ms);
        return;
    }
  }

  // ------------------------------------------------------------- reading

  /** Per-agent counters (a known agent, or a new empty one). */
  agent(agentId: string): AgentSeries {
    let a = this.agents.get(agentId);
    if (!a) this.agents.set(agentId, (a = new AgentSeries(agentId)));
    return a;
  }

  agentSeries(): AgentSeries[] {
    return [...this.agents.values()];
  }

  toolSeries(): ToolSeries[] {
    return [...this.byTool.values()];
  }

  /** Frames and bytes of an agent: closed connections plus the live one. */
  traffic(agentId: string): ConnectionCounters {
    const a = this.agents.get(agentId);
    const live = this.view?.connection(agentId);
    return {
      framesIn: (a?.framesIn ?? 0) + (live?.framesIn ?? 0),
      framesOut: (a?.framesOut ?? 0) + (live?.framesOut ?? 0),
      bytesIn: (a?.bytesIn ?? 0) + (live?.bytesIn ?? 0),
      bytesOut: (a?.bytesOut ?? 0) + (live?.bytesOut ?? 0),
    };
  }

  /** The current minute (Unix minutes) by this clock. */
  nowMinute(): number {
    return minuteOf(this.o.clock.now());
  }

  /** Writes the pending deltas into the current minute's rollup rows (before reading them, and at shutdown). */
  flush(): void {
    this.rollups.write(this.minute, this.byTool.values());
  }

  /** Deletes rollups past the retention (at start, then at most hourly). */
  prune(): number {
    this.lastPrune = this.o.clock.now();
    return this.rollups.prune(this.nowMinute() - this.retentionDays * 1440);
  }

  private tick(): void {
    for (const a of this.changed) {
      a.changed = false;
      this.view?.announce(a.agentId);
    }
    this.changed.clear();
    const m = this.nowMinute();
    if (m !== this.minute) {
      // Calls since the last tick are attributed to the minute that just ended (at most a second off).
      this.flush();
      this.minute = m;
    }
    if (this.o.clock.now() - this.lastPrune > 3_600_000) this.prune();
  }

  private newSeries(toolId: string): ToolSeries {
    const slash = toolId.lastIndexOf("/");
    const agentId = slash > 0 ? toolId.slice(0, slash) : "";
    if (this.view?.isTool(toolId) && this.byTool.size < MAX_SERIES) {
      const s = new ToolSeries(agentId, toolId.slice(slash + 1), this.agent(agentId));
      this.byTool.set(toolId, s);
      return s;
    }
    // Not a registered tool: one shared series per known agent, one for everything else.
    const owner = agentId && this.view?.knowsAgent(agentId) ? agentId : UNKNOWN;
    const key = `${owner}/${UNREGISTERED}`;
    let s = this.byTool.get(key);
    if (!s) this.byTool.set(key, (s = new ToolSeries(owner, UNREGISTERED, this.agent(owner))));
    return s;
  }
}

function outcomeIndex(code: string): number {
  switch (code) {
    case "timeout":
      return OUTCOME_INDEX.timeout;
    case "canceled":
      return OUTCOME_INDEX.canceled;
    case "permission_denied":
    case "unknown_tool":
      return OUTCOME_INDEX.denied;
    default:
      return OUTCOME_INDEX.error;
  }
}

/** Why a call was denied, from the router's error (details first, then its wording; covered by metrics.test.ts). */
export function denialCategory(e: CallErrorLike): DenialCategory {
  if (e.code === "unknown_tool") return "unknown_tool";
  if (e.details?.missing) return "unapproved_permission";
  if (e.details?.tool_surface) return "tool_surface";
  if (e.message.includes("client token's scope")) return "client_scope";
  if (e.message.includes("is not enabled")) return "agent_disabled";
  if (e.message.includes("unapproved permission")) return "unapproved_permission";
  return "other";
}
