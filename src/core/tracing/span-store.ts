/**
 * The recent traces, in memory and bounded, for the audit timeline: a ring of
 * the last calls and turns (the oldest is overwritten first). Adding one is a
 * single array store — no index is kept on the hot path; a lookup (rare: a
 * person opening the timeline) scans the ring. Spans are built only when read.
 * Nothing here is persisted.
 */
import type { CallTrace } from "./call-trace.ts";
import type { SpanRecord } from "./span-record.ts";
import { uuidHex } from "./trace-context.ts";

/** Spans a stored call stands for, on average (root + 5 phases + the agent's), to size the ring from max_spans. */
const SPANS_PER_CALL = 7;

export class SpanStore {
  private readonly ring: Array<CallTrace | undefined>;
  private head = 0;

  constructor(maxSpans: number) {
    this.ring = new Array<CallTrace | undefined>(Math.max(1, Math.ceil(maxSpans / SPANS_PER_CALL))).fill(undefined);
  }

  /** Calls and turns held. */
  get size(): number {
    let n = 0;
    for (const t of this.ring) if (t) n++;
    return n;
  }

  add(t: CallTrace): void {
    this.ring[this.head] = t;
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
  }

  /** Spans of the trace that `id` (a trace id, or the correlation or request id of a call in it) names, by start time. */
  spansFor(id: string): SpanRecord[] {
    const hex = uuidHex(id);
    let traceId: string | undefined;
    for (const t of this.ring) {
      if (t && (t.traceId === id || t.traceId === hex || t.correlationId === id || t.requestId === id)) {
        traceId = t.traceId;
        break;
      }
    }
    if (!traceId) return [];
    const out: SpanRecord[] = [];
    for (const t of this.ring) if (t && t.traceId === traceId) out.push(...t.spans());
    return out.sort((a, b) => a.startMs - b.startMs);
  }
}
