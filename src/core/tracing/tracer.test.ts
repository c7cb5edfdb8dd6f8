import { describe, expect, test } from "bun:test";
import { PHASE } from "./call-trace.ts";
import { tracingConfigSchema, tracingSettings } from "./settings.ts";
import type { SpanRecord } from "./span-record.ts";
import { formatTraceparent, isSpanId, newSpanId, ownUuidHex, parseTraceparent, traceIdFor, uuidHex } from "./trace-context.ts";
import { type SpanExportSink, Tracer } from "./tracer.ts";

const [ID_R_DENIED, ID_R_LIMITED, ID_R_WAIT, ID_R_BAD, ID_INV_3] = Array.from({ length: 5 }, () => crypto.randomUUID() as string) as [string, string, string, string, string];
const settings = (over: Partial<ReturnType<typeof tracingSettings>> = {}) => ({ ...tracingSettings(undefined, {}), ...over });
const byName = (spans: SpanRecord[]) => Object.fromEntries(spans.map((s) => [s.name, s]));

describe("trace context", () => {
  test("traceparent round trip; malformed, zero and foreign-version values are ignored", () => {
    const tp = formatTraceparent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    expect(parseTraceparent(tp)).toEqual({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", sampled: true });
    // The sampled flag is bit 0 of the flags; other bits are ignored.
    expect(parseTraceparent(`${tp.slice(0, -2)}00`)?.sampled).toBe(false);
    expect(parseTraceparent(`${tp.slice(0, -2)}03`)?.sampled).toBe(true);
    expect(parseTraceparent(`${tp.slice(0, -2)}02`)?.sampled).toBe(false);
    for (const bad of [undefined, 42, "", `${tp} `, tp.toUpperCase(), `01${tp.slice(2)}`, `00-${"0".repeat(32)}-b7ad6b7169203331-01`, `00-0af7651916cd43dd8448eb211c80319c-${"0".repeat(16)}-01`]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  test("a UUID correlation/request id is the trace id; anything else gets a random one", () => {
    expect(traceIdFor("4BF92F35-77B3-4DA6-A3CE-929D0E0E4736")).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const r = traceIdFor("corr-1");
    expect(r).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdFor("corr-1")).not.toBe(r);
  });
});

describe("settings", () => {
  test("export only with an endpoint; env wins over config; OTEL_SDK_DISABLED turns it off", () => {
    expect(tracingSettings(undefined, {}).tracesUrl).toBeUndefined();
    expect(tracingSettings({ enabled: true, otlp_endpoint: "http://127.0.0.1:4318", service_name: "x", max_spans: 100, propagate: "sampled" }, {}).tracesUrl).toBe("http://127.0.0.1:4318/v1/traces");
    expect(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp/" }).tracesUrl).toBe("http://c:4318/otlp/v1/traces");
    expect(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/t", OTEL_EXPORTER_OTLP_ENDPOINT: "http://d" }).tracesUrl).toBe("http://c:4318/t");
    expect(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_SDK_DISABLED: "true" }).tracesUrl).toBeUndefined();
    expect(tracingSettings({ enabled: false, otlp_endpoint: "http://c", service_name: "x", max_spans: 100, propagate: "sampled" }, {}).tracesUrl).toBeUndefined();
    expect(() => tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://x" })).toThrow("OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:// or https:// URL");
    expect(() => tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://u:p@x" })).toThrow("must not carry credentials");
  });
});

describe("call traces", () => {
  test("a successful call: root + five phases in order, agent span nested under agent.execute and clamped", () => {
    const t = new Tracer(settings({ propagate: "always" }));
    const started = performance.now();
    const c = t.call("6f1c2a54-1111-4222-8333-444455556666", "com.example.a/echo", "com.example.a", "cli", undefined, undefined, started);
    for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting, PHASE.admitted]) c.mark(p);
    const nowUs = (performance.timeOrigin + performance.now()) * 1000;
    // Starts before the call began: clamped to agent.execute's start.
    c.agentSpan({ span_id: "00f067aa0ba902b7", start_us: nowUs - 60_000_000, end_us: nowUs });
    c.end(undefined);
    const spans = t.store.spansFor("6f1c2a54-1111-4222-8333-444455556666");
    expect(spans.map((s) => s.name)).toEqual(["tool.call", "permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute", "agent.tool"]);
    const s = byName(spans);
    expect(s["tool.call"]!.traceId).toBe("6f1c2a54111142228333444455556666");
    expect(s["tool.call"]!.parentSpanId).toBeUndefined();
    for (const n of ["permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute"]) expect(s[n]!.parentSpanId).toBe(s["tool.call"]!.spanId);
    expect(s["agent.tool"]!.parentSpanId).toBe(s["agent.execute"]!.spanId);
    expect(s["agent.tool"]!.startMs).toBeGreaterThanOrEqual(s["agent.execute"]!.startMs);
    expect(s["agent.execute"]!.spanId).toBe(c.traceparent.slice(36, 52));
    expect(s["tool.call"]!.attributes).toMatchObject({ "opensentience.request_id": "6f1c2a54-1111-4222-8333-444455556666", "opensentience.outcome": "ok", "opensentience.tool": "com.example.a/echo" });
  });

  test("the error lands on the phase that was running; later phases are absent", () => {
    const t = new Tracer(settings());
    const denied = t.call(ID_R_DENIED, "a.b/x", "a.b", "cli", "corr-denied", undefined, performance.now());
    denied.end("permission_denied");
    expect(t.store.spansFor(ID_R_DENIED).map((s) => [s.name, s.error])).toEqual([
      ["tool.call", "permission_denied"],
      ["permission.check", "permission_denied"],
    ]);
    const limited = t.call(ID_R_LIMITED, "a.b/x", "a.b", "cli", undefined, undefined, performance.now());
    limited.mark(PHASE.checked);
    limited.mark(PHASE.validated);
    limited.mark(PHASE.admitting);
    limited.end("rate_limited");
    expect(t.store.spansFor(ID_R_LIMITED).map((s) => [s.name, s.error ?? null])).toEqual([
      ["tool.call", "rate_limited"],
      ["permission.check", null],
      ["schema.validate", null],
      ["limits.admit", "rate_limited"],
    ]);
    const waited = t.call(ID_R_WAIT, "a.b/x", "a.b", "cli", undefined, undefined, performance.now());
    for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting]) waited.mark(p);
    waited.end("timeout");
    expect(t.store.spansFor(ID_R_WAIT).at(-1)).toMatchObject({ name: "queue.wait", error: "timeout" });
  });

  test("a bad agent span is ignored", () => {
    const t = new Tracer(settings({ propagate: "always" }));
    const c = t.call(ID_R_BAD, "a.b/x", "a.b", "cli", undefined, undefined, performance.now());
    for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting, PHASE.admitted]) c.mark(p);
    c.agentSpan({ span_id: "XYZ", start_us: 1, end_us: 2 });
    c.agentSpan({ span_id: "00f067aa0ba902b7", start_us: 5, end_us: 1 });
    c.agentSpan({ span_id: c.execId, start_us: 1, end_us: 2 });
    // Straight off the wire (the frame schema passes agent_span through unchecked): wrong shapes and types.
    for (const raw of [null, "00f067aa0ba902b7", 42, [], { span_id: 7, start_us: 1, end_us: 2 }, { span_id: "00f067aa0ba902b7", start_us: "1", end_us: 2 }, { span_id: "00f067aa0ba902b7", start_us: 1 }, { span_id: "00f067aa0ba902b7", start_us: Number.NaN, end_us: 2 }])
      c.agentSpan(raw);
    c.end(undefined);
    expect(t.store.spansFor(ID_R_BAD).map((s) => s.name)).not.toContain("agent.tool");
  });

  test("a chat turn's tool calls nest under it: by traceparent, or by correlation id while the turn runs", () => {
    const t = new Tracer(settings());
    const corr = "0b5e7d1c-aaaa-4bbb-8ccc-ddddeeeeffff";
    const turn = t.chat("turn-req", "a.b", "sess", corr, performance.now());
    const viaCorr = t.call("inv-1", "a.c/y", "a.c", "agent", corr, undefined, performance.now());
    viaCorr.end(undefined);
    const agentSpan = "1111222233334444";
    const viaTp = t.call("inv-2", "a.c/y", "a.c", "agent", corr, formatTraceparent(turn.traceId, agentSpan), performance.now());
    viaTp.end(undefined);
    turn.end(undefined);
    const spans = t.store.spansFor(corr);
    const roots = spans.filter((s) => s.name === "tool.call");
    expect(spans.every((s) => s.traceId === "0b5e7d1caaaa4bbb8cccddddeeeeffff")).toBe(true);
    expect(roots.find((s) => s.attributes["opensentience.request_id"] === "inv-1")!.parentSpanId).toBe(turn.execId);
    expect(roots.find((s) => s.attributes["opensentience.request_id"] === "inv-2")!.parentSpanId).toBe(agentSpan);
    // After the turn, a stray call with that correlation id starts its own root.
    const later = t.call(ID_INV_3, "a.c/y", "a.c", "agent", corr, undefined, performance.now());
    later.end(undefined);
    expect(t.store.spansFor(ID_INV_3)[0]!.parentSpanId).toBeUndefined();
  });
});

describe("sampling: which calls' agents get a traceparent", () => {
  const tp = (flags: string) => `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-${flags}`;
  const call = (t: Tracer, traceparent?: string, corr?: string) => t.call(crypto.randomUUID(), "a.b/x", "a.b", "api", corr, traceparent, performance.now());

  test("default, nothing exported: unsampled, unless the caller's traceparent is sampled; spans are still recorded", () => {
    const t = new Tracer(settings());
    const plain = call(t);
    expect(plain.sampled).toBe(false);
    plain.end(undefined);
    expect(t.store.spansFor(plain.requestId).map((s) => s.name)).toContain("tool.call");
    expect(call(t, tp("00")).sampled).toBe(false);
    expect(call(t, tp("01")).sampled).toBe(true);
    // A malformed traceparent is no parent, so no sampling decision of its own.
    expect(call(t, "00-zz-01").sampled).toBe(false);
  });

  test("an unsampled trace ignores an agent span it did not ask for; a sampled one keeps it", () => {
    const t = new Tracer(settings());
    const nowUs = (performance.timeOrigin + performance.now()) * 1000;
    for (const c of [call(t), call(t, tp("01"))]) {
      for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting, PHASE.admitted]) c.mark(p);
      c.agentSpan({ span_id: "00f067aa0ba902b7", start_us: nowUs, end_us: nowUs + 5 });
      c.end(undefined);
      expect(t.store.spansFor(c.requestId).some((s) => s.name === "agent.tool")).toBe(c.sampled);
    }
  });

  test("exporting, or tracing.propagate always: every call and chat turn is sampled", () => {
    for (const t of [new Tracer(settings({ tracesUrl: "http://127.0.0.1:1/v1/traces" })), new Tracer(settings({ propagate: "always" }))]) {
      expect(call(t).sampled).toBe(true);
      expect(call(t, tp("00")).sampled).toBe(true);
      expect(t.chat("r", "a.b", "s", crypto.randomUUID(), performance.now()).sampled).toBe(true);
    }
    expect(tracingSettings({ enabled: true, service_name: "x", max_spans: 100, propagate: "always" }, {}).propagate).toBe("always");
    expect(tracingSettings(undefined, {}).propagate).toBe("sampled");
    expect(tracingConfigSchema.safeParse({ propagate: "never" }).success).toBe(false);
  });

  test("a chat turn's tool calls follow the turn's decision", () => {
    for (const [s, want] of [[settings(), false], [settings({ propagate: "always" }), true]] as const) {
      const t = new Tracer(s);
      const corr = crypto.randomUUID();
      const turn = t.chat("r", "a.b", "s", corr, performance.now());
      expect(turn.sampled).toBe(want);
      expect(call(t, undefined, corr).sampled).toBe(want);
    }
  });

  test("an export that fails to load stops sampling everything (nothing would receive the agents' spans)", async () => {
    const t = new Tracer(settings({ tracesUrl: "http://127.0.0.1:1/v1/traces" }), async () => {
      throw new Error("no exporter");
    });
    expect(call(t).sampled).toBe(true);
    await t.start();
    expect(call(t).sampled).toBe(false);
    const always = new Tracer(settings({ tracesUrl: "http://127.0.0.1:1/v1/traces", propagate: "always" }), async () => {
      throw new Error("no exporter");
    });
    await always.start();
    expect(call(always).sampled).toBe(true);
  });
});

describe("export", () => {
  test("no endpoint: the exporter is never loaded and spans stay in memory", async () => {
    let loads = 0;
    const t = new Tracer(settings(), async () => {
      loads++;
      throw new Error("must not load");
    });
    await t.start();
    t.call("r1", "a.b/x", "a.b", "cli", undefined, undefined, performance.now()).end("permission_denied");
    expect(loads).toBe(0);
    expect(t.status()).toMatchObject({ enabled: true, exporting: false, endpoint: null });
  });

  test("with an endpoint: spans finished while the exporter loads are handed over, later ones directly", async () => {
    const got: SpanRecord[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sink: SpanExportSink = { push: (s) => got.push(...s), shutdown: async () => {} };
    const t = new Tracer(settings({ tracesUrl: "http://127.0.0.1:1/v1/traces" }), async () => {
      await gate;
      return sink;
    });
    const started = t.start();
    t.call("r1", "a.b/x", "a.b", "cli", undefined, undefined, performance.now()).end("permission_denied");
    expect(got).toHaveLength(0);
    release();
    await started;
    expect(got.map((s) => s.name)).toEqual(["tool.call", "permission.check"]);
    t.call("r2", "a.b/x", "a.b", "cli", undefined, undefined, performance.now()).end("permission_denied");
    expect(got).toHaveLength(4);
  });

  test("disabled: `on` is false (the router starts no trace)", () => {
    expect(new Tracer(settings({ enabled: false })).on).toBe(false);
  });
});

describe("span store", () => {
  test("bounded ring: the oldest calls go first, with their index entries; lookups by trace, correlation and request id", () => {
    const t = new Tracer(settings({ maxSpans: 100 })); // room for 15 calls
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const rid = crypto.randomUUID();
      ids.push(rid);
      t.call(rid, "a.b/x", "a.b", "cli", `corr-${i}`, undefined, performance.now()).end("permission_denied");
    }
    expect(t.store.size).toBe(15);
    expect(t.store.spansFor("corr-0")).toEqual([]);
    expect(t.store.spansFor(ids[0]!)).toEqual([]);
    const last = t.store.spansFor("corr-29");
    expect(last.map((s) => s.name)).toEqual(["tool.call", "permission.check"]);
    expect(t.store.spansFor(last[0]!.traceId)).toEqual(last);
    expect(t.store.spansFor(ids[29]!)).toEqual(last);
    const uuidCall = crypto.randomUUID();
    t.call(uuidCall, "a.b/x", "a.b", "cli", undefined, undefined, performance.now()).end("permission_denied");
    expect(t.store.spansFor(uuidCall).map((s) => s.name)).toEqual(["tool.call", "permission.check"]);
  });
});

describe("span store keeps data, not objects", () => {
  const traced = (t: Tracer, rid: string) => {
    const c = t.call(rid, "a.b/x", "a.b", "cli", undefined, undefined, performance.now());
    for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting, PHASE.admitted]) c.mark(p);
    const nowUs = (performance.timeOrigin + performance.now()) * 1000;
    c.agentSpan({ span_id: "00f067aa0ba902b7", start_us: nowUs - 10, end_us: nowUs });
    c.end(undefined);
    return c;
  };

  test("the timeline shows the very spans that were exported (same ids, times and attributes)", async () => {
    const got: SpanRecord[] = [];
    const t = new Tracer(settings({ tracesUrl: "http://127.0.0.1:1/v1/traces" }), async () => ({ push: (s) => got.push(...s), shutdown: async () => {} }));
    await t.start();
    const rid = crypto.randomUUID();
    traced(t, rid);
    const exported = [...got].sort((a, b) => a.startMs - b.startMs);
    expect(exported.map((s) => s.name)).toEqual(["tool.call", "permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute", "agent.tool"]);
    expect(t.store.spansFor(rid)).toEqual(exported);
  });

  test("without export: every read of a trace gives the same span ids, all distinct and well-formed", () => {
    // propagate "always": sampled without export, so the agent's span is kept too.
    const t = new Tracer(settings({ propagate: "always" }));
    const rid = crypto.randomUUID();
    const c = traced(t, rid);
    const first = t.store.spansFor(rid);
    expect(t.store.spansFor(rid)).toEqual(first);
    const ids = first.map((s) => s.spanId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isSpanId(id)).toBe(true);
    expect(first.find((s) => s.name === "agent.execute")!.spanId).toBe(c.execId);
    expect(first.find((s) => s.name === "agent.tool")!.spanId).toBe("00f067aa0ba902b7");
  });

  test("finished CallTrace objects are not kept (the garbage collector takes them)", async () => {
    const t = new Tracer(settings());
    const refs: Array<WeakRef<object>> = [];
    const make = () => {
      for (let i = 0; i < 200; i++) refs.push(new WeakRef(traced(t, crypto.randomUUID())));
    };
    make();
    expect(t.store.size).toBe(200);
    await new Promise<void>((r) => setImmediate(r)); // WeakRef targets are held until the current job ends
    Bun.gc(true);
    // The stack is scanned conservatively, so a stray few may survive; a ring of objects would keep all 200.
    expect(refs.filter((r) => r.deref() !== undefined).length).toBeLessThan(20);
  });
});

describe("ids", () => {
  test("span ids are 16 lower-case hex digits, never zero, and do not repeat across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newSpanId(); // 5,000 ids span ~10 refills of the 512-id pool
      expect(isSpanId(id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  test("a request id's trace id without checks equals the checked one (the router's own UUIDs)", () => {
    for (let i = 0; i < 200; i++) {
      const id = crypto.randomUUID();
      expect(ownUuidHex(id)).toBe(uuidHex(id)!);
    }
  });

  test("a call without a correlation id takes its trace id from its request id", () => {
    const requestId = crypto.randomUUID();
    const t = new Tracer(tracingSettings(undefined, {})).call(requestId, "a.b/t", "a.b", "api", undefined, undefined, performance.now());
    expect(t.traceId).toBe(requestId.replaceAll("-", ""));
  });
});
