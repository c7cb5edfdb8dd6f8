/**
 * The recent spans, in memory and bounded (oldest traces dropped first), for
 * the audit timeline. Looked up by trace id, or by a correlation or request id
 * a trace's root carries. Nothing here is persisted.
 */
import type { SpanRecord } from "./span-record.ts";

export class SpanStore {
  private readonly traces = new Map<string, SpanRecord[]>();
  /** correlation / request id → trace id. */
  private readonly index = new Map<string, string>();
  /** Ids indexed per trace, to drop them with it. */
  private readonly keysOf = new Map<string, string[]>();
  private count = 0;

  constructor(readonly maxSpans: number) {}

  get size(): number {
    return this.count;
  }

  add(spans: SpanRecord[], keys: Array<string | undefined>): void {
    if (spans.length === 0) return;
    const traceId = spans[0]!.traceId;
    let list = this.traces.get(traceId);
    if (!list) this.traces.set(traceId, (list = []));
    for (const s of spans) list.push(s);
    this.count += spans.length;
    for (const k of keys) {
      if (!k || this.index.has(k)) continue;
      this.index.set(k, traceId);
      let ks = this.keysOf.get(traceId);
      if (!ks) this.keysOf.set(traceId, (ks = []));
      ks.push(k);
    }
    this.evict(traceId);
  }

  /** Spans of the trace that `id` (a trace, correlation or request id) belongs to, by start time. */
  spansFor(id: string): SpanRecord[] {
    const traceId = this.index.get(id) ?? id;
    const list = this.traces.get(traceId);
    return list ? [...list].sort((a, b) => a.startMs - b.startMs) : [];
  }

  private evict(keep: string): void {
    for (const [traceId, list] of this.traces) {
      if (this.count <= this.maxSpans) return;
      if (traceId === keep) continue;
      this.traces.delete(traceId);
      this.count -= list.length;
      for (const k of this.keysOf.get(traceId) ?? []) this.index.delete(k);
      this.keysOf.delete(traceId);
    }
  }
}
