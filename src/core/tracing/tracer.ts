/**
 * The daemon's tracer: starts a CallTrace per tool call and chat turn, keeps
 * finished spans in a bounded in-memory store (the audit timeline), and —
 * only when an OTLP endpoint is configured — hands them to the OpenTelemetry
 * exporter, whose module is imported then and never otherwise.
 *
 * Spans are our own small records rather than OpenTelemetry SDK spans: the
 * SDK's Span objects (attributes, events, links, limits, hrtime bookkeeping per
 * span) cost more per call than the router's whole budget for tracing; the
 * official exporter still does the OTLP encoding and batching (otlp-export.ts).
 */
import { CallTrace, type TraceSink } from "./call-trace.ts";
import type { SpanRecord } from "./span-record.ts";
import { SpanStore } from "./span-store.ts";
import { ownUuidHex, parseTraceparent, randomTraceId, type SpanParent, uuidHex } from "./trace-context.ts";
import { samplesEveryCall, type TracingSettings } from "./settings.ts";

/** Where exported spans go (otlp-export.ts); an interface so the module stays unloaded until needed. */
export interface SpanExportSink {
  push(spans: SpanRecord[]): void;
  shutdown(): Promise<void>;
}

/** Spans finished while the exporter module is still loading (first calls after start). */
const MAX_BACKLOG = 4096;

export class Tracer implements TraceSink {
  /** Read by the router before starting a trace: false = no trace objects at all. */
  readonly on: boolean;
  readonly store: SpanStore;
  /** Chat turns in flight by correlation id: tool calls the agent makes for a turn without sending a traceparent still nest under it. */
  private readonly turns = new Map<string, CallTrace>();
  private sink: SpanExportSink | undefined;
  private loading: Promise<void> | undefined;
  private backlog: SpanRecord[] = [];
  private exportError: string | undefined;
  /** Every trace is sampled (its agents get a `traceparent`): spans are exported, or config says always. */
  private sampleAll: boolean;

  constructor(
    readonly settings: TracingSettings,
    private readonly loadExporter: (s: TracingSettings) => Promise<SpanExportSink> = async (s) => (await import("./otlp-export.ts")).createOtlpSink(s),
  ) {
    this.on = settings.enabled;
    this.sampleAll = samplesEveryCall(settings);
    this.store = new SpanStore(settings.maxSpans);
  }

  /** Loads the exporter when an endpoint is configured. Never rejects: a failure is kept for `status()`. */
  start(): Promise<void> {
    if (!this.on || !this.settings.tracesUrl || this.loading) return this.loading ?? Promise.resolve();
    this.loading = this.loadExporter(this.settings).then(
      (sink) => {
        this.sink = sink;
        if (this.backlog.length) sink.push(this.backlog);
        this.backlog = [];
      },
      (e: unknown) => {
        this.exportError = e instanceof Error ? e.message : String(e);
        this.backlog = [];
        // Nothing will be exported: agents' spans would only feed the local timeline.
        this.sampleAll = samplesEveryCall({ propagate: this.settings.propagate, tracesUrl: undefined });
      },
    );
    return this.loading;
  }

  status(): { enabled: boolean; exporting: boolean; endpoint: string | null; error: string | null; callsInMemory: number } {
    return { enabled: this.on, exporting: !!this.sink, endpoint: this.settings.tracesUrl ?? null, error: this.exportError ?? null, callsInMemory: this.store.size };
  }

  /** The recent spans of the trace a trace, correlation or request id names (for the audit timeline). */
  spansFor(id: string): SpanRecord[] {
    return this.store.spansFor(id);
  }

  /**
   * A tool call's trace. Parent: the caller's `traceparent`, else the chat turn of its correlation id, else a new
   * trace. `requestId` is the router's own (crypto.randomUUID), so its hex needs no checks.
   */
  call(requestId: string, tool: string, agentId: string, callerKind: string, correlationId: string | undefined, traceparent: string | undefined, started: number): CallTrace {
    const parent = traceparent === undefined ? this.turnParent(correlationId) : (parseTraceparent(traceparent) ?? this.turnParent(correlationId));
    if (parent) return new CallTrace(this, "tool", requestId, correlationId, agentId, tool, callerKind, parent, this.sampleAll || parent.sampled, "", started);
    if (correlationId === undefined) return new CallTrace(this, "tool", requestId, correlationId, agentId, tool, callerKind, undefined, this.sampleAll, ownUuidHex(requestId), started, true);
    return new CallTrace(this, "tool", requestId, correlationId, agentId, tool, callerKind, undefined, this.sampleAll, uuidHex(correlationId) ?? randomTraceId(), started);
  }

  /** A chat turn's trace (its trace id is the turn's correlation id when that is a UUID). */
  chat(requestId: string, agentId: string, sessionId: string, correlationId: string, started: number): CallTrace {
    const t = new CallTrace(this, "chat", requestId, correlationId, agentId, sessionId, "chat", undefined, this.sampleAll, uuidHex(correlationId) ?? randomTraceId(), started);
    this.turns.set(correlationId, t);
    return t;
  }

  finish(t: CallTrace): void {
    if (t.kind === "chat" && t.correlationId && this.turns.get(t.correlationId) === t) this.turns.delete(t.correlationId);
    // Exported spans first: building them makes the root span's id, which the store then keeps (the timeline shows the same ids).
    if (this.sink) this.sink.push(t.spans());
    else if (this.loading && !this.exportError && this.backlog.length < MAX_BACKLOG) this.backlog.push(...t.spans());
    this.store.add(t);
  }

  /** Flushes and stops the exporter (daemon stop). */
  async shutdown(): Promise<void> {
    await this.loading;
    await this.sink?.shutdown().catch(() => {});
    this.sink = undefined;
  }

  private turnParent(correlationId: string | undefined): SpanParent | undefined {
    const turn = correlationId && this.turns.size ? this.turns.get(correlationId) : undefined;
    return turn ? { traceId: turn.traceId, spanId: turn.execId, sampled: turn.sampled } : undefined;
  }
}
