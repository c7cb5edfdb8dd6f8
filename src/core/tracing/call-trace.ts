/**
 * The trace of one tool call or chat turn. The router only stamps phase
 * boundaries (one number each) and the end; span records are built lazily —
 * when the trace is exported or someone looks at it — so a traced call costs
 * one object and two ids, and an untraced call nothing (the router then holds
 * no CallTrace).
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

export class CallTrace {
  readonly execId = newSpanId();
  private rootId_: string | undefined;
  readonly traceId: string;
  readonly parentId: string | undefined;
  private m0 = 0;
  private m1 = 0;
  private m2 = 0;
  private m3 = 0;
  private endedAt = 0;
  private error: string | undefined;
  private agentId_: string | undefined;
  private agentStartMs = 0;
  private agentEndMs = 0;
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
    fallbackTraceId: string,
    /** performance.now() when the call started. */
    private readonly started: number,
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
   * value is ignored, and the times are clamped into agent.execute.
   */
  agentSpan(raw: unknown): void {
    if (typeof raw !== "object" || raw === null) return;
    const { span_id: spanId, start_us: s, end_us: e } = raw as Record<string, unknown>;
    if (typeof spanId !== "string" || typeof s !== "number" || typeof e !== "number") return;
    // rootId_, not rootId: comparing must not make the root's id (most traces never need it).
    if (!isSpanId(spanId) || spanId === this.execId || spanId === this.rootId_) return;
    if (!Number.isFinite(s) || !Number.isFinite(e) || e < s) return;
    this.agentId_ = spanId;
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

  /** The finished trace's spans (built once, on first use). */
  spans(): SpanRecord[] {
    return (this.built ??= this.build());
  }

  private build(): SpanRecord[] {
    const base = performance.timeOrigin;
    const { traceId, error } = this;
    const end = this.endedAt || performance.now();
    const spans: SpanRecord[] = [];
    const span = (name: string, spanId: string, parent: string | undefined, kind: SpanRecord["kind"], from: number, to: number, err: string | undefined, attributes: SpanRecord["attributes"] = {}) =>
      spans.push({ traceId, spanId, parentSpanId: parent, name, kind, startMs: base + from, endMs: base + to, error: err, attributes });
    const rootAttrs: SpanRecord["attributes"] = { "opensentience.agent_id": this.agentId, "opensentience.request_id": this.requestId, "opensentience.outcome": error ?? "ok" };
    if (this.kind === "tool") {
      rootAttrs["opensentience.tool"] = this.subject;
      rootAttrs["opensentience.caller.kind"] = this.callerKind;
    } else rootAttrs["opensentience.chat.session_id"] = this.subject;
    if (this.correlationId) rootAttrs["opensentience.correlation_id"] = this.correlationId;
    span(this.kind === "tool" ? "tool.call" : "chat.turn", this.rootId, this.parentId, "server", this.started, end, error, rootAttrs);

    let execFrom = this.started;
    if (this.kind === "tool") {
      const marks = [this.m0, this.m1, this.m2, this.m3];
      // The phase in progress when the call ended carries its error; later phases were never reached.
      for (let i = 0; i < marks.length; i++) {
        const name = PHASE_NAMES[i]!;
        const to = marks[i]!;
        const refused = error !== undefined && i === PHASE.admitting && ADMISSION_CODES.has(error);
        if (to === 0 || refused) {
          span(name, newSpanId(), this.rootId, "internal", execFrom, refused && to ? to : end, error);
          return spans;
        }
        span(name, newSpanId(), this.rootId, "internal", execFrom, to, undefined);
        execFrom = to;
      }
    }
    span("agent.execute", this.execId, this.rootId, "internal", execFrom, end, error);
    if (this.agentId_) {
      // Clamped into agent.execute: an agent cannot place its span outside the core's view of it.
      const lo = base + execFrom;
      const hi = base + end;
      const s = Math.min(Math.max(this.agentStartMs, lo), hi);
      const e = Math.min(Math.max(this.agentEndMs, s), hi);
      spans.push({ traceId, spanId: this.agentId_, parentSpanId: this.execId, name: this.kind === "tool" ? "agent.tool" : "agent.chat", kind: "agent", startMs: s, endMs: e, error, attributes: { "opensentience.agent_id": this.agentId } });
    }
    return spans;
  }
}
