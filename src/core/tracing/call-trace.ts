/**
 * The trace of one tool call or chat turn. The router only stamps phase
 * boundaries (one number each) and the end; span records are built lazily —
 * when the trace is exported or someone looks at it — so a traced call costs
 * one short-lived object and an id, and an untraced call nothing (the router
 * then holds no CallTrace). A finished trace is copied into the span store's
 * typed arrays (span-store.ts) and this object dies young.
 */
import type { SpanRecord } from "./span-record.ts";
import { formatTraceparent, isSpanId, newSpanId, type SpanParent } from "./trace-context.ts";

/** Phase boundaries the router stamps, in order (performance.now() values). */
export const PHASE = { checked: 0, validated: 1, admitting: 2, admitted: 3 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

const PHASE_NAMES = ["permission.check", "schema.validate", "limits.admit", "queue.wait"] as const;
/** Error codes decided by admission itself (the wait for a slot did not start). */
const ADMISSION_CODES = new Set(["rate_limited", "overloaded"]);

export interface TraceSink {
  finish(t: CallTrace): void;
}

/** What a finished trace's spans are built from: a live CallTrace, or a slot of the span store. */
export interface TraceData {
  kind: "tool" | "chat";
  requestId: string;
  correlationId: string | undefined;
  agentId: string;
  subject: string;
  callerKind: string;
  traceId: string;
  parentId: string | undefined;
  execId: string;
  rootId: string;
  /** performance.now() values; a phase mark of 0 was never reached. */
  started: number;
  m0: number;
  m1: number;
  m2: number;
  m3: number;
  endedAt: number;
  error: string | undefined;
  /** The agent's own span (undefined: none reported), Unix epoch ms. */
  agentSpanId: string | undefined;
  agentStartMs: number;
  agentEndMs: number;
}

/**
 * A phase span's id, derived from the root span's id and the phase's index:
 * the same every time the trace is built (export now, the timeline later),
 * without storing four more ids per call. Not secret, like every span id.
 */
export function phaseSpanId(rootId: string, phase: number): string {
  let hi = Number.parseInt(rootId.slice(0, 8), 16) ^ Math.imul(phase + 1, 0x9e3779b9);
  let lo = Number.parseInt(rootId.slice(8, 16), 16) ^ Math.imul(phase + 1, 0x85ebca6b);
  hi = Math.imul(hi ^ (hi >>> 16), 0x7feb352d) ^ lo;
  lo = Math.imul(lo ^ (lo >>> 15), 0x846ca68b) ^ hi;
  const id = (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
  return id === "0000000000000000" ? "0000000000000001" : id;
}

export class CallTrace implements TraceData {
  readonly execId = newSpanId();
  /** The root span's id once made (most traces never need it). */
  rootId_: string | undefined;
  readonly traceId: string;
  readonly parentId: string | undefined;
  m0 = 0;
  m1 = 0;
  m2 = 0;
  m3 = 0;
  endedAt = 0;
  error: string | undefined;
  agentSpanId: string | undefined;
  agentStartMs = 0;
  agentEndMs = 0;
  private built: SpanRecord[] | undefined;

  constructor(
    private readonly sink: TraceSink,
    readonly kind: "tool" | "chat",
    readonly requestId: string,
    readonly correlationId: string | undefined,
    readonly agentId: string,
    /** The tool's global id; for a chat turn, the chat session id. */
    readonly subject: string,
    readonly callerKind: string,
    parent: SpanParent | undefined,
    /**
     * Sampled (W3C): the agent gets a `traceparent` and reports its own span. Decided by the tracer (exported, a
     * sampled parent, or `tracing.propagate: "always"`); an unsampled trace still records the daemon's spans.
     */
    readonly sampled: boolean,
    fallbackTraceId: string,
    /** performance.now() when the call started. */
    readonly started: number,
    /** The trace id is the request id's hex (a root call without a correlation id): the store need not keep it. */
    readonly ownTraceId = false,
  ) {
    this.traceId = parent?.traceId ?? fallbackTraceId;
    this.parentId = parent?.spanId;
  }

  mark(phase: Phase): void {
    const t = performance.now();
    if (phase === 0) this.m0 = t;
    else if (phase === 1) this.m1 = t;
    else if (phase === 2) this.m2 = t;
    else this.m3 = t;
  }

  /** The root span's id (made when first needed: most traces are never read). */
  get rootId(): string {
    return (this.rootId_ ??= newSpanId());
  }

  /** What the agent receives: its work is a child of this trace's agent.execute span. */
  get traceparent(): string {
    return formatTraceparent(this.traceId, this.execId);
  }

  /** Epoch ms when the trace started (for ordering in the UI). */
  get startMs(): number {
    return performance.timeOrigin + this.started;
  }

  /**
   * The agent's own span from a terminal frame's optional `agent_span`
   * (`{span_id, start_us, end_us}`, Unix microseconds). Untrusted: a malformed
   * value is ignored, and the times are clamped into agent.execute. An unsampled trace's agent was not asked for
   * one (it got no `traceparent`), so whatever it sends then is ignored too.
   */
  agentSpan(raw: unknown): void {
    if (!this.sampled || typeof raw !== "object" || raw === null) return;
    const { span_id: spanId, start_us: s, end_us: e } = raw as Record<string, unknown>;
    if (typeof spanId !== "string" || typeof s !== "number" || typeof e !== "number") return;
    // rootId_, not rootId: comparing must not make the root's id (most traces never need it).
    if (!isSpanId(spanId) || spanId === this.execId || spanId === this.rootId_) return;
    if (!Number.isFinite(s) || !Number.isFinite(e) || e < s) return;
    this.agentSpanId = spanId;
    this.agentStartMs = s / 1000;
    this.agentEndMs = e / 1000;
  }

  /** Ends the trace; `error` is the outcome's error code (undefined: ok). */
  end(error: string | undefined): void {
    if (this.endedAt) return;
    this.endedAt = performance.now();
    this.error = error;
    this.sink.finish(this);
  }

  /** The finished trace's spans (built once, on first use: the exporter's copy). */
  spans(): SpanRecord[] {
    return (this.built ??= buildSpans(this));
  }
}

/** The spans of a finished trace: root, the phases it reached, agent.execute and the agent's own span. */
export function buildSpans(d: TraceData): SpanRecord[] {
  const base = performance.timeOrigin;
  const { traceId, error, rootId } = d;
  const end = d.endedAt || performance.now();
  const spans: SpanRecord[] = [];
  const span = (name: string, spanId: string, parent: string | undefined, kind: SpanRecord["kind"], from: number, to: number, err: string | undefined, attributes: SpanRecord["attributes"] = {}) =>
    spans.push({ traceId, spanId, parentSpanId: parent, name, kind, startMs: base + from, endMs: base + to, error: err, attributes });
  const rootAttrs: SpanRecord["attributes"] = { "opensentience.agent_id": d.agentId, "opensentience.request_id": d.requestId, "opensentience.outcome": error ?? "ok" };
  if (d.kind === "tool") {
    rootAttrs["opensentience.tool"] = d.subject;
    rootAttrs["opensentience.caller.kind"] = d.callerKind;
  } else rootAttrs["opensentience.chat.session_id"] = d.subject;
  if (d.correlationId) rootAttrs["opensentience.correlation_id"] = d.correlationId;
  span(d.kind === "tool" ? "tool.call" : "chat.turn", rootId, d.parentId, "server", d.started, end, error, rootAttrs);

  let execFrom = d.started;
  if (d.kind === "tool") {
    const marks = [d.m0, d.m1, d.m2, d.m3];
    // The phase in progress when the call ended carries its error; later phases were never reached.
    for (let i = 0; i < marks.length; i++) {
      const name = PHASE_NAMES[i]!;
      const to = marks[i]!;
      const refused = error !== undefined && i === PHASE.admitting && ADMISSION_CODES.has(error);
      if (to === 0 || refused) {
        span(name, phaseSpanId(rootId, i), rootId, "internal", execFrom, refused && to ? to : end, error);
        return spans;
      }
      span(name, phaseSpanId(rootId, i), rootId, "internal", execFrom, to, undefined);
      execFrom = to;
    }
  }
  span("agent.execute", d.execId, rootId, "internal", execFrom, end, error);
  if (d.agentSpanId) {
    // Clamped into agent.execute: an agent cannot place its span outside the core's view of it.
    const lo = base + execFrom;
    const hi = base + end;
    const s = Math.min(Math.max(d.agentStartMs, lo), hi);
    const e = Math.min(Math.max(d.agentEndMs, s), hi);
    spans.push({ traceId, spanId: d.agentSpanId, parentSpanId: d.execId, name: d.kind === "tool" ? "agent.tool" : "agent.chat", kind: "agent", startMs: s, endMs: e, error, attributes: { "opensentience.agent_id": d.agentId } });
  }
  return spans;
}
