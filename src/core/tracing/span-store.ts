/**
 * The recent traces, in memory and bounded, for the audit timeline: a ring of
 * the last calls and turns (the oldest is overwritten first). Nothing here is
 * persisted; spans are built only when read.
 *
 * Why typed arrays and not the CallTrace objects: a trace kept for a few
 * thousand calls outlives the young generation, so every traced call used to
 * leave an object and a handful of strings for the old-generation collector —
 * measured in one daemon (bench/observability-inprocess.ts), that garbage was
 * most of what tracing cost (daemon CPU per call +11 % with the ring of
 * objects, +2 % with a ring too small to outlive a young collection). A slot
 * keeps numbers (times, span ids as 32-bit halves), the call's request id
 * (the one string per call it keeps: the timeline is looked up by it), and the
 * agent id, tool and caller kind interned. Other ids are kept only when they
 * cannot be derived — a parent's, a trace id that is not the request id's hex,
 * a correlation id.
 */
import { buildSpans, type CallTrace, type TraceData } from "./call-trace.ts";
import type { SpanRecord } from "./span-record.ts";
import { newSpanId, ownUuidHex, uuidHex } from "./trace-context.ts";

/** Spans a stored call stands for, on average (root + 5 phases + the agent's), to size the ring from max_spans. */
const SPANS_PER_CALL = 7;
/** Per slot: started, the four phase marks, end, the agent span's start and end. */
const TIMES = 8;
/** Per slot, 32-bit halves of: agent.execute's span id, the root's (0: not made yet), the agent's (0: none). */
const IDS = 6;
/** Distinct agent ids, tools, caller kinds and error codes interned; past this a string is kept as it came. */
const MAX_INTERNED = 4096;

const KIND_EMPTY = 0;
const KIND_TOOL = 1;
const KIND_CHAT = 2;

export class SpanStore {
  private readonly slots: number;
  private head = 0;
  private readonly kinds: Uint8Array;
  private readonly times: Float64Array;
  private readonly ids: Uint32Array;
  private readonly requestIds: Array<string | undefined>;
  private readonly correlationIds: Array<string | undefined>;
  /** Only when it is not the request id's hex. */
  private readonly traceIds: Array<string | undefined>;
  private readonly parentIds: Array<string | undefined>;
  private readonly agentIds: Array<string | undefined>;
  private readonly subjects: Array<string | undefined>;
  private readonly callerKinds: Array<string | undefined>;
  private readonly errors: Array<string | undefined>;
  private readonly interned = new Map<string, string>();

  constructor(maxSpans: number) {
    const n = (this.slots = Math.max(1, Math.ceil(maxSpans / SPANS_PER_CALL)));
    this.kinds = new Uint8Array(n);
    this.times = new Float64Array(n * TIMES);
    this.ids = new Uint32Array(n * IDS);
    const strings = () => new Array<string | undefined>(n).fill(undefined);
    this.requestIds = strings();
    this.correlationIds = strings();
    this.traceIds = strings();
    this.parentIds = strings();
    this.agentIds = strings();
    this.subjects = strings();
    this.callerKinds = strings();
    this.errors = strings();
  }

  /** Calls and turns held. */
  get size(): number {
    let n = 0;
    for (const k of this.kinds) if (k !== KIND_EMPTY) n++;
    return n;
  }

  /** Copies a finished trace into the next slot (the CallTrace itself is not kept). */
  add(t: CallTrace): void {
    const i = this.head;
    this.head = i + 1 === this.slots ? 0 : i + 1;
    this.kinds[i] = t.kind === "tool" ? KIND_TOOL : KIND_CHAT;
    const at = i * TIMES;
    const times = this.times;
    times[at] = t.started;
    times[at + 1] = t.m0;
    times[at + 2] = t.m1;
    times[at + 3] = t.m2;
    times[at + 4] = t.m3;
    times[at + 5] = t.endedAt;
    times[at + 6] = t.agentStartMs;
    times[at + 7] = t.agentEndMs;
    const id = i * IDS;
    setId(this.ids, id, t.execId);
    setId(this.ids, id + 2, t.rootId_);
    setId(this.ids, id + 4, t.agentSpanId);
    this.requestIds[i] = t.requestId;
    this.correlationIds[i] = t.correlationId;
    this.traceIds[i] = t.ownTraceId ? undefined : t.traceId;
    this.parentIds[i] = t.parentId;
    this.agentIds[i] = this.intern(t.agentId);
    this.subjects[i] = this.intern(t.subject);
    this.callerKinds[i] = this.intern(t.callerKind);
    this.errors[i] = t.error === undefined ? undefined : this.intern(t.error);
  }

  /** Spans of the trace that `id` (a trace id, or the correlation or request id of a call in it) names, by start time. */
  spansFor(id: string): SpanRecord[] {
    const hex = uuidHex(id);
    let traceId: string | undefined;
    for (let i = 0; i < this.slots && !traceId; i++) {
      if (this.kinds[i] === KIND_EMPTY) continue;
      const t = this.traceIdAt(i);
      if (t === id || t === hex || this.correlationIds[i] === id || this.requestIds[i] === id) traceId = t;
    }
    if (!traceId) return [];
    const out: SpanRecord[] = [];
    for (let i = 0; i < this.slots; i++) if (this.kinds[i] !== KIND_EMPTY && this.traceIdAt(i) === traceId) out.push(...buildSpans(this.read(i)));
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  private traceIdAt(i: number): string {
    return this.traceIds[i] ?? ownUuidHex(this.requestIds[i]!);
  }

  /** A slot as TraceData. A root span id not made while the call ran is made now and kept, so every read agrees. */
  private read(i: number): TraceData {
    const at = i * TIMES;
    const id = i * IDS;
    const times = this.times;
    if (this.ids[id + 2] === 0 && this.ids[id + 3] === 0) setId(this.ids, id + 2, newSpanId());
    const agentSpanId = this.ids[id + 4] === 0 && this.ids[id + 5] === 0 ? undefined : getId(this.ids, id + 4);
    return {
      kind: this.kinds[i] === KIND_TOOL ? "tool" : "chat",
      requestId: this.requestIds[i]!,
      correlationId: this.correlationIds[i],
      agentId: this.agentIds[i]!,
      subject: this.subjects[i]!,
      callerKind: this.callerKinds[i]!,
      traceId: this.traceIdAt(i),
      parentId: this.parentIds[i],
      execId: getId(this.ids, id),
      rootId: getId(this.ids, id + 2),
      started: times[at]!,
      m0: times[at + 1]!,
      m1: times[at + 2]!,
      m2: times[at + 3]!,
      m3: times[at + 4]!,
      endedAt: times[at + 5]!,
      error: this.errors[i],
      agentSpanId,
      agentStartMs: times[at + 6]!,
      agentEndMs: times[at + 7]!,
    };
  }

  /** The long-lived copy of a string that recurs (agent ids, tools, caller kinds, error codes), so a slot does not keep each call's own. */
  private intern(s: string): string {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    if (this.interned.size < MAX_INTERNED) this.interned.set(s, s);
    return s;
  }
}

/** A 16-hex-digit span id as two 32-bit halves (undefined: 0, 0 — never a valid span id). */
function setId(ids: Uint32Array, at: number, spanId: string | undefined): void {
  if (spanId === undefined) {
    ids[at] = 0;
    ids[at + 1] = 0;
    return;
  }
  ids[at] = Number.parseInt(spanId.slice(0, 8), 16);
  ids[at + 1] = Number.parseInt(spanId.slice(8, 16), 16);
}

function getId(ids: Uint32Array, at: number): string {
  return ids[at]!.toString(16).padStart(8, "0") + ids[at + 1]!.toString(16).padStart(8, "0");
}
