/**
 * The tool router: the only path from a caller (CLI, API, UI, chat, another
 * agent) to an agent's tool. It checks, in order: tool exists, agent enabled,
 * connected and healthy, every declared permission approved, arguments valid
 * against the input schema, rate and concurrency limits. Then it sends
 * `tool.call`, relays progress, enforces the timeout, handles cancellation,
 * and audits the outcome.
 */
import {
  buildChatMessage,
  buildToolCall,
  buildToolCancel,
  buildToolError,
  buildToolProgress,
  buildToolResult,
  type ErrorCode,
  type Message,
  type MessageOf,
} from "../../protocol/index.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { EventBus } from "../events.ts";
import { scopeAllows, type ToolScope } from "../client-tokens/scope.ts";
import { allowsInvoke } from "../manifest/permissions.ts";
import { shapeOf } from "../redact.ts";
import { closest } from "../suggest.ts";
import type { AgentConnection } from "./agent-connection.ts";
import { type Abortable, type CallLimiter, Deadline } from "./call-limits.ts";
import { type CallTrace, PHASE } from "../tracing/call-trace.ts";
import type { Tracer } from "../tracing/tracer.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type ToolInfo, toolInfo, ToolRegistry } from "./tool-registry.ts";
import { schemaMismatch } from "./tool-arguments.ts";

/**
 * Who calls. `mcp`: an MCP client (over /mcp or `opensentience mcp`); `id` is
 * its client token's name (`stdio` for the bridge without one) and `client`
 * what it announced in `initialize`. On the wire (the baseline's caller kinds)
 * an MCP caller is `{kind: "api", id: "mcp:<id>"}`.
 */
export type Caller = { kind: "cli" | "ui" | "chat" | "api" | "agent"; id: string } | { kind: "mcp"; id: string; client?: { name: string; version: string } };

export interface CallError {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export type CallOutcome = { ok: true; output: unknown; durationMs: number; requestId: string } | { ok: false; error: CallError; durationMs: number; requestId: string };

export interface CallRequest {
  tool: string;
  arguments: unknown;
  caller: Caller;
  /** A client token's scope: a tool outside it is `permission_denied`, checked before anything else. */
  scope?: ToolScope;
  timeoutMs?: number;
  correlationId?: string;
  causationId?: string;
  /** W3C traceparent of the caller's span (an agent's tool.invoke, an HTTP client): the call's trace nests under it. */
  traceparent?: string;
  /** The caller going away: an AbortSignal, or a CallCancel (call-limits.ts) where a native signal costs too much. */
  signal?: Abortable;
  onProgress?(seq: number, chunk: unknown): void;
}

export interface ChatRequest {
  agentId: string;
  sessionId: string;
  messageId: string;
  text: string;
  history: Array<{ role: string; text: string }>;
  correlationId: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onDelta(text: string): void;
}

export type ChatOutcome = { ok: true; text: string } | { ok: false; error: CallError };

export interface AgentPolicy {
  enabled: boolean;
  approved: Set<string>;
  /** Installed (state `installed`), for the message when its tools are missing; unknown when absent. */
  installed?: boolean;
}

/** What the router needs to know about a running agent (provided by the supervisor). */
export interface AgentLink {
  conn: AgentConnection;
  healthy: boolean;
  limiter: CallLimiter;
  defaultTimeoutMs: number;
  capabilities: string[];
}

export interface RouterDeps {
  audit: AuditLog;
  events: EventBus;
  link(agentId: string): AgentLink | undefined;
  /** Enabled flag and approved permissions, read fresh for every call (revocation is immediate). */
  policy(agentId: string): AgentPolicy;
  requestedPermissions(agentId: string): Set<string>;
  maxTimeoutMs: number;
  /** Spans per call and chat turn (src/core/tracing); when off (or absent) the router allocates nothing for tracing. */
  tracer?: Tracer;
  /** Per-tool counters and latency (src/core/metrics): one lookup and a few increments per call. */
  metrics?: Pick<Metrics, "admitted" | "left" | "callDone" | "chatDone">;
}

interface Pending {
  requestId: string;
  agentId: string;
  kind: "tool" | "chat";
  onProgress?(seq: number, chunk: unknown): void;
  onDelta?(text: string): void;
  chatText: string;
  trace?: CallTrace | undefined;
  finish(result: { ok: true; output: unknown } | { ok: false; error: CallError }): void;
}

export class Router {
  readonly tools = new ToolRegistry();
  private readonly pending = new Map<string, Pending>();
  /** Calls made by agents via tool.invoke: caller agent + its request id → our AbortController. */
  private readonly invokes = new Map<string, AbortController>();

  constructor(private readonly deps: RouterDeps) {}

  policy(agentId: string): AgentPolicy {
    return this.deps.policy(agentId);
  }

  register(agentId: string, msg: MessageOf<"tools.register">) {
    const result = this.tools.register(agentId, msg.payload.tools, this.deps.requestedPermissions(agentId));
    this.deps.events.emit({ type: "tools.changed", agentId });
    this.deps.audit.record({
      actor: "agent",
      action: "tools.register",
      agentId,
      outcome: result.rejected.length ? "error" : "ok",
      details: { accepted: result.accepted, rejected: result.rejected },
    });
    return result;
  }

  listTools(agentId?: string): ToolInfo[] {
    const cache = new Map<string, Set<string>>();
    return this.tools.list(agentId).map((t) => {
      let approved = cache.get(t.agentId);
      if (!approved) cache.set(t.agentId, (approved = this.deps.policy(t.agentId).approved));
      return toolInfo(t, approved);
    });
  }

  /** Routes one tool call. Always resolves (never rejects) with a result or a coded error. */
  async call(req: CallRequest): Promise<CallOutcome> {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const slash = req.tool.lastIndexOf("/");
    const agentId = slash > 0 ? req.tool.slice(0, slash) : "";
    const trace = this.deps.tracer?.on ? this.deps.tracer.call(requestId, req.tool, agentId, req.caller.kind, req.correlationId, req.traceparent, started) : undefined;
    const done = (r: { ok: true; output: unknown } | { ok: false; error: CallError }, audit = true): CallOutcome => {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      trace?.end(r.ok ? undefined : r.error.code);
      this.deps.metrics?.callDone(req.tool, r.ok ? null : r.error, durationMs);
      if (audit) {
        this.deps.audit.recordSoon({
          actor: auditActor(req.caller),
          action: "tool.call",
          agentId: agentId || null,
          outcome: r.ok ? "ok" : r.error.code === "permission_denied" || r.error.code === "unknown_tool" ? "denied" : "error",
          requestId,
          correlationId: req.correlationId ?? null,
          details: {
            tool: req.tool,
            caller: req.caller,
            duration_ms: durationMs,
            arguments: shapeOf(req.arguments),
            ...(r.ok ? {} : { error: r.error.code, message: r.error.message }),
          },
        });
      }
      return r.ok ? { ok: true, output: r.output, durationMs, requestId } : { ok: false, error: r.error, durationMs, requestId };
    };
    const fail = (code: ErrorCode, message: string, details?: Record<string, unknown>) => done({ ok: false, error: { code, message, ...(details ? { details } : {}) } });

    if (req.scope && !scopeAllows(req.scope, req.tool)) return fail("permission_denied", `tool ${req.tool} is outside this client token's scope`);
    const tool = this.tools.get(req.tool);
    const policy = this.deps.policy(agentId);
    if (!tool) {
      // One vocabulary with a next step, whoever calls (CLI, API, MCP, chat): issue 17, finding 7.
      if (agentId && this.deps.link(agentId)) {
        // A tool the agent offered but registration refused: say why, not just "no tool" (issue 17, finding 3).
        const refused = this.tools.rejected(agentId).find((r) => r.name === req.tool.slice(slash + 1));
        if (refused) return fail("unknown_tool", `tool ${req.tool} was rejected when ${agentId} registered it: ${refused.reason}`, { rejected: refused.reason });
        const near = closest(req.tool, this.tools.list(agentId).map((t) => t.globalId));
        return fail("unknown_tool", `agent ${agentId} has no tool '${req.tool.slice(slash + 1)}'${near ? ` (did you mean '${near}'?)` : ""}`);
      }
      if (agentId && policy.enabled) return fail("agent_unavailable", `agent ${agentId} is not running (run it: opensentience agents run ${agentId})`);
      if (agentId && policy.installed) return fail("agent_unavailable", `agent ${agentId} is disabled (enable it: opensentience agents enable ${agentId})`);
      return fail("unknown_tool", `no tool '${req.tool}' is registered${agentId ? ` (is ${agentId} installed? see: opensentience agents info ${agentId})` : ""}`);
    }
    if (!policy.enabled) return fail("permission_denied", `agent ${agentId} is not enabled`);
    if (tool.blocked) return fail("permission_denied", tool.blocked.message, { tool_surface: tool.blocked.change });
    const link = this.deps.link(agentId);
    if (!link || link.conn.isClosed()) return fail("agent_unavailable", `agent ${agentId} is not connected`);
    if (!link.healthy) return fail("agent_unavailable", `agent ${agentId} is unhealthy (missed heartbeats)`);
    const missing = tool.spec.permissions.filter((p) => !policy.approved.has(p));
    if (missing.length) return fail("permission_denied", `tool ${req.tool} needs unapproved permission${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`, { missing });
    trace?.mark(PHASE.checked);
    const problems = this.tools.validate(tool, req.arguments);
    if (problems.length) return fail("invalid_arguments", schemaMismatch(tool.spec.name, tool.spec.input_schema, req.arguments, problems), { problems });
    trace?.mark(PHASE.validated);

    const timeoutMs = Math.min(req.timeoutMs ?? tool.spec.timeout_ms ?? link.defaultTimeoutMs, this.deps.maxTimeoutMs);
    // A timer only while the call waits or runs; admission is synchronous when a slot is free.
    const deadline = new Deadline(timeoutMs);
    const admitting = link.limiter.admit(deadline, req.signal);
    trace?.mark(PHASE.admitting);
    const admission = await admitting;
    if (!admission.ok) {
      if (admission.code === "canceled") return deadline.aborted ? fail("timeout", `timed out after ${timeoutMs} ms waiting for a free slot`) : fail("canceled", "canceled by the caller");
      return fail(admission.code, admission.message);
    }
    trace?.mark(PHASE.admitted);
    const inFlight = this.deps.metrics?.admitted(req.tool);
    try {
      const r = await this.dispatch(link, agentId, requestId, req, tool.spec.name, timeoutMs, deadline, trace);
      return done(r);
    } finally {
      admission.release();
      if (inFlight) this.deps.metrics!.left(inFlight);
    }
  }

  private dispatch(link: AgentLink, agentId: string, requestId: string, req: CallRequest, name: string, timeoutMs: number, deadline: Deadline, trace: CallTrace | undefined) {
    const ids = { request_id: requestId, ...(req.correlationId ? { correlation_id: req.correlationId } : {}) };
    return this.awaitReply(link, { requestId, agentId, kind: "tool", chatText: "", trace, ...(req.onProgress ? { onProgress: req.onProgress } : {}) }, {
      timeoutMs,
      deadline,
      signal: req.signal,
      correlationId: req.correlationId,
      frame: buildToolCall(
        // The traceparent is set, not spread in: a spread copies the payload once more on every traced call.
        withTraceparent({ tool: name, arguments: req.arguments as never, timeout_ms: timeoutMs, caller: wireCaller(req.caller) }, trace),
        { ...ids, ...(req.causationId ? { causation_id: req.causationId } : {}) },
      ),
    });
  }

  /**
   * Registers a pending request, sends its frame, and resolves with the agent's
   * terminal reply — or with `timeout` / `canceled` (sending `tool.cancel`), or
   * `agent_unavailable` when the frame cannot be sent. Shared by tool calls and chat turns.
   */
  private awaitReply(
    link: AgentLink,
    pending: Omit<Pending, "finish">,
    o: { timeoutMs: number; deadline: Deadline; signal: Abortable | undefined; correlationId: string | undefined; frame: object },
  ): Promise<{ ok: true; output: unknown } | { ok: false; error: CallError }> {
    const { requestId } = pending;
    return new Promise((resolve) => {
      const cancel = (reason: string) => link.conn.send(buildToolCancel({ reason }, { request_id: requestId, ...(o.correlationId ? { correlation_id: o.correlationId } : {}) }));
      const onTimeout = () => {
        cancel("timeout");
        p.finish({ ok: false, error: { code: "timeout", message: `no result within ${o.timeoutMs} ms` } });
      };
      const onAbort = () => {
        cancel("canceled");
        p.finish({ ok: false, error: { code: "canceled", message: "canceled by the caller" } });
      };
      const p: Pending = {
        ...pending,
        finish: (r) => {
          if (!this.pending.delete(requestId)) return;
          o.deadline.removeEventListener("abort", onTimeout);
          o.signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
      };
      this.pending.set(requestId, p);
      o.deadline.addEventListener("abort", onTimeout, { once: true });
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (!link.conn.send(o.frame)) p.finish({ ok: false, error: { code: "agent_unavailable", message: `could not send to agent ${pending.agentId}` } });
    });
  }

  /** Sends one chat turn to an agent with the `chat` capability. */
  async chat(req: ChatRequest): Promise<ChatOutcome> {
    const link = this.deps.link(req.agentId);
    if (!this.deps.policy(req.agentId).enabled) return { ok: false, error: { code: "permission_denied", message: `agent ${req.agentId} is not enabled` } };
    if (!link || link.conn.isClosed()) return { ok: false, error: { code: "agent_unavailable", message: `agent ${req.agentId} is not running` } };
    if (!link.capabilities.includes("chat")) return { ok: false, error: { code: "unknown_tool", message: `agent ${req.agentId} does not support chat` } };
    if (!link.healthy) return { ok: false, error: { code: "agent_unavailable", message: `agent ${req.agentId} is unhealthy` } };
    const requestId = crypto.randomUUID();
    const timeoutMs = Math.min(req.timeoutMs ?? link.defaultTimeoutMs * 4, this.deps.maxTimeoutMs);
    const deadline = new Deadline(timeoutMs);
    const started = performance.now();
    const trace = this.deps.tracer?.on ? this.deps.tracer.chat(requestId, req.agentId, req.sessionId, req.correlationId, started) : undefined;
    const r = await this.awaitReply(link, { requestId, agentId: req.agentId, kind: "chat", chatText: "", onDelta: req.onDelta, trace }, {
      timeoutMs,
      deadline,
      signal: req.signal,
      correlationId: req.correlationId,
      frame: buildChatMessage(
        withTraceparent({ session_id: req.sessionId, message_id: req.messageId, text: req.text, history: req.history }, trace),
        { request_id: requestId, correlation_id: req.correlationId },
      ),
    });
    trace?.end(r.ok ? undefined : r.error.code);
    const durationMs = performance.now() - started;
    this.deps.metrics?.chatDone(req.agentId, r.ok ? "ok" : r.error.code === "canceled" || r.error.code === "timeout" ? r.error.code : "error", durationMs);
    this.deps.audit.record({
      actor: "ui",
      action: "chat.turn",
      agentId: req.agentId,
      outcome: r.ok ? "ok" : "error",
      requestId,
      correlationId: req.correlationId,
      details: { session_id: req.sessionId, duration_ms: Math.round(durationMs), ...(r.ok ? {} : { error: r.error.code }) },
    });
    return r.ok ? { ok: true, text: String(r.output ?? "") } : r;
  }

  /** Frames from a ready agent that belong to calls (replies, progress, invokes). */
  handleAgentFrame(conn: AgentConnection, msg: Message): boolean {
    switch (msg.type) {
      case "tool.progress":
      case "tool.result":
      case "tool.error":
      case "chat.delta":
      case "chat.done": {
        const p = this.pending.get(msg.request_id);
        // Late frames (after cancel/timeout) and frames for another agent's calls are dropped.
        if (!p || p.agentId !== conn.agentId) return true;
        if (p.trace && msg.type !== "tool.progress" && msg.type !== "chat.delta") p.trace.agentSpan(msg.payload.agent_span);
        if (msg.type === "tool.progress") p.onProgress?.(msg.payload.seq, msg.payload.chunk);
        else if (msg.type === "chat.delta") {
          p.chatText += msg.payload.text;
          p.onDelta?.(msg.payload.text);
        } else if (msg.type === "chat.done") p.finish({ ok: true, output: msg.payload.text ?? p.chatText });
        else if (msg.type === "tool.result") p.finish({ ok: true, output: msg.payload.output });
        else p.finish({ ok: false, error: msg.payload.error as CallError });
        return true;
      }
      case "tool.invoke":
        void this.invokeFromAgent(conn, msg);
        return true;
      case "tool.cancel": {
        this.invokes.get(`${conn.agentId}\0${msg.request_id}`)?.abort();
        return true;
      }
      default:
        return false;
    }
  }

  private async invokeFromAgent(conn: AgentConnection, msg: MessageOf<"tool.invoke">): Promise<void> {
    const callerId = conn.agentId!;
    const reply = { request_id: msg.request_id, ...(msg.correlation_id ? { correlation_id: msg.correlation_id } : {}), causation_id: msg.id };
    const target = msg.payload.tool;
    const slash = target.lastIndexOf("/");
    if (!allowsInvoke(this.deps.policy(callerId).approved, target.slice(0, slash), target.slice(slash + 1))) {
      this.deps.audit.record({
        actor: "agent",
        action: "tool.invoke",
        agentId: callerId,
        outcome: "denied",
        requestId: msg.request_id,
        correlationId: msg.correlation_id ?? null,
        details: { tool: target, reason: "no approved tool:invoke permission" },
      });
      conn.send(buildToolError({ error: { code: "permission_denied", message: `${callerId} has no approved tool:invoke:${target} permission` } }, reply));
      return;
    }
    const key = `${callerId}\0${msg.request_id}`;
    const ac = new AbortController();
    this.invokes.set(key, ac);
    this.deps.events.emit({ type: "tool.invoke", phase: "start", callerAgentId: callerId, tool: target, arguments: msg.payload.arguments, requestId: msg.request_id, correlationId: msg.correlation_id });
    const outcome = await this.call({
      tool: target,
      arguments: msg.payload.arguments,
      caller: { kind: "agent", id: callerId },
      ...(msg.payload.timeout_ms ? { timeoutMs: msg.payload.timeout_ms } : {}),
      ...(msg.correlation_id ? { correlationId: msg.correlation_id } : {}),
      causationId: msg.id,
      ...(msg.payload.traceparent ? { traceparent: msg.payload.traceparent } : {}),
      signal: ac.signal,
      onProgress: (seq, chunk) => conn.send(buildToolProgress({ seq, chunk: chunk as never }, reply)),
    });
    this.invokes.delete(key);
    this.deps.events.emit({ type: "tool.invoke", phase: "end", callerAgentId: callerId, tool: target, requestId: msg.request_id, correlationId: msg.correlation_id, outcome });
    if (outcome.ok) conn.send(buildToolResult({ output: outcome.output as never }, reply));
    else conn.send(buildToolError({ error: outcome.error }, reply));
  }

  /** Fails every pending call of an agent that went away (crash, stop, kill switch). */
  agentGone(agentId: string, reason: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.agentId === agentId) p.finish({ ok: false, error: { code: "agent_unavailable", message: `agent ${agentId} went away: ${reason}`, retryable: true } });
    }
    for (const [k, ac] of this.invokes) if (k.startsWith(`${agentId}\0`)) ac.abort();
    this.tools.forgetRejected(agentId);
    if (this.tools.list(agentId).length) {
      this.tools.removeAgent(agentId);
      this.deps.events.emit({ type: "tools.changed", agentId });
    }
  }

  pendingCount(agentId?: string): number {
    let n = 0;
    for (const p of this.pending.values()) if (!agentId || p.agentId === agentId) n++;
    return n;
  }
}

function auditActor(c: Caller): "cli" | "ui" | "api" | "agent" | "mcp" {
  return c.kind === "chat" ? "ui" : c.kind;
}

/** The caller as the runtime protocol's `tool.call` carries it (its kinds have no `mcp`). */
function wireCaller(c: Caller): { kind: "cli" | "ui" | "chat" | "api" | "agent"; id: string } {
  return c.kind === "mcp" ? { kind: "api", id: `mcp:${c.id}`.slice(0, 128) } : c;
}

/** The payload with the trace's `traceparent` (an optional protocol field) when the trace is sampled. */
function withTraceparent<P extends object>(payload: P, trace: CallTrace | undefined): P & { traceparent?: string } {
  if (trace?.sampled) (payload as P & { traceparent?: string }).traceparent = trace.traceparent;
  return payload;
}
