/**
 * The trace of one tool call or chat turn while it runs. The router only
 * stamps phase boundaries (one number each); the spans are built once, at the
 * end, so a call costs a handful of small objects — and nothing at all when
 * tracing is off (the router then holds no CallTrace).
 */
import type { SpanRecord } from "./span-record.ts";
import { formatTraceparent, isSpanId, newSpanId, type SpanParent } from "./trace-context.ts";

/** Phase boundaries the router stamps, in order (performance.now() values). */
export const PHASE = { checked: 0, validated: 1, admitting: 2, admitted: 3 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

/** Error codes decided by admission itself (the wait for a slot did not start). */
const ADMISSION_CODES = new Set(["rate_limited", "overloaded"]);

export interface TraceSink {
  finish(t: CallTrace, spans: SpanRecord[]): void;
}

export class CallTrace {
  readonly rootId = newSpanId();
  readonly execId = newSpanId();
  readonly traceId: string;
  private readonly parentId: string | undefined;
  private readonly marks = [0, 0, 0, 0];
  private agent: { spanId: string; startMs: number; endMs: number } | undefined;

  constructor(
    private readonly sink: TraceSink,
    readonly kind: "tool" | "chat",
    readonly requestId: string,
    readonly correlationId: string | undefined,
    /** Root attributes: agent, tool, caller kind (never argument values). */
    private readonly attributes: Record<string, string | number | boolean>,
    parent: SpanParent | undefined,
    fallbackTraceId: string,
    /** performance.now() when the call started. */
    private readonly started: number,
  ) {
    this.traceId = parent?.traceId ?? fallbackTraceId;
    this.parentId = parent?.spanId;
  }

  mark(phase: Phase): void {
    this.marks[phase] = performance.now();
  }

  /** What the agent receives: its work is a child of this trace's agent.execute span. */
  get traceparent(): string {
    return formatTraceparent(this.traceId, this.execId);
  }

  /**
   * The agent's own span from a terminal frame's optional `agent_span`
   * (`{span_id, start_us, end_us}`, Unix microseconds). Untrusted: a malformed
   * value is ignored, and the times are clamped into agent.execute when the
   * trace ends.
   */
  agentSpan(raw: unknown): void {
    if (!raw || typeof raw !== "object") return;
    const r = raw as Record<string, unknown>;
    const { span_id: spanId, start_us: s, end_us: e } = r;
    if (!isSpanId(spanId) || spanId === this.execId || spanId === this.rootId) return;
    if (typeof s !== "number" || typeof e !== "number" || !Number.isFinite(s) || !Number.isFinite(e) || e < s) return;
    this.agent = { spanId, startMs: s / 1000, endMs: e / 1000 };
  }

  /** Ends the trace; `error` is the outcome's error code (undefined: ok). */
  end(error: string | undefined): void {
    const base = performance.timeOrigin;
    const at = (perf: number) => base + perf;
    const now = performance.now();
    const spans: SpanRecord[] = [];
    const span = (name: string, spanId: string, parent: string | undefined, kind: SpanRecord["kind"], from: number, to: number, err: string | undefined, attributes: SpanRecord["attributes"] = {}) =>
      spans.push({ traceId: this.traceId, spanId, parentSpanId: parent, name, kind, startMs: at(from), endMs: at(to), error: err, attributes });
    const rootAttrs: SpanRecord["attributes"] = { ...this.attributes, "opensentience.request_id": this.requestId, "opensentience.outcome": error ?? "ok" };
    if (this.correlationId) rootAttrs["opensentience.correlation_id"] = this.correlationId;
    span(this.kind === "tool" ? "tool.call" : "chat.turn", this.rootId, this.parentId, "server", this.started, now, error, rootAttrs);

    let execFrom = this.started;
    let reached = true;
    if (this.kind === "tool") {
      const m = this.marks;
      // The phase in progress when the call ended carries its error; later phases were never reached.
      const phases: Array<[string, number]> = [
        ["permission.check", m[PHASE.checked]!],
        ["schema.validate", m[PHASE.validated]!],
        ["limits.admit", m[PHASE.admitting]!],
        ["queue.wait", m[PHASE.admitted]!],
      ];
      let from = this.started;
      for (let i = 0; i < phases.length; i++) {
        const [name, to] = phases[i]!;
        const admissionRefused = error !== undefined && ADMISSION_CODES.has(error) && name === "limits.admit";
        if (to === 0 || admissionRefused) {
          span(name, newSpanId(), this.rootId, "internal", from, admissionRefused && to ? to : now, error);
          reached = false;
          break;
        }
        span(name, newSpanId(), this.rootId, "internal", from, to, undefined);
        from = to;
      }
      execFrom = from;
    }
    if (reached) {
      span("agent.execute", this.execId, this.rootId, "internal", execFrom, now, error);
      const a = this.agent;
      if (a) {
        // Clamped into agent.execute: an agent cannot place its span outside the core's view of it.
        const lo = at(execFrom);
        const hi = at(now);
        const s = Math.min(Math.max(a.startMs, lo), hi);
        const e = Math.min(Math.max(a.endMs, s), hi);
        spans.push({ traceId: this.traceId, spanId: a.spanId, parentSpanId: this.execId, name: this.kind === "tool" ? "agent.tool" : "agent.chat", kind: "agent", startMs: s, endMs: e, error, attributes: { "opensentience.agent_id": String(this.attributes["opensentience.agent_id"] ?? "") } });
      }
    }
    this.sink.finish(this, spans);
  }
}
