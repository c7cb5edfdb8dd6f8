/**
 * Metrics over a real catalog (SQLite file, migrations) and the real Router:
 * counts by outcome, denial categories from the router's own refusals, the
 * exposition parsed by a real Prometheus parser, percentiles within the
 * bucket of the exact nearest-rank value, rollups that survive a new Metrics
 * (a daemon restart), retention pruning, and hostile tool ids that cannot
 * grow the series table.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, type OpenedDb } from "../../db/open.ts";
import { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { EventBus } from "../events.ts";
import { Router } from "../runtime/router.ts";
import { histogram, parsePrometheus, sampleValue } from "../../../test/helpers/prometheus.ts";
import { BUCKET_BOUNDS_MS, bucketIndex, bucketRange, quantileMs } from "./histogram.ts";
import { Metrics, type MetricsRuntimeView, routeClassOf } from "./metrics.ts";
import { exposition } from "./prometheus.ts";
import { buildStats } from "./stats.ts";

const AGENT = "com.example.metrics";
const dirs: string[] = [];
const dbs: OpenedDb[] = [];

function catalog(): { store: OpenedDb; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "os-metrics-"));
  dirs.push(dir);
  const path = join(dir, "catalog.db");
  const store = openDb(path);
  dbs.push(store);
  return { store, path };
}

afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function clockAt(ms: number): Clock & { set(ms: number): void } {
  let t = ms;
  return { now: () => t, iso: () => new Date(t).toISOString(), set: (v) => (t = v) };
}

const view = (tools: string[]): MetricsRuntimeView => ({
  isTool: (id) => tools.includes(id),
  knowsAgent: (id) => id === AGENT,
  statuses: () => [],
  connection: () => null,
  announce: () => {},
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("histogram", () => {
  test("a value falls in the first bucket whose upper bound is >= it (Prometheus le)", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(1.0001)).toBe(1);
    expect(bucketIndex(600_000)).toBe(BUCKET_BOUNDS_MS.length - 1);
    expect(bucketIndex(600_001)).toBe(BUCKET_BOUNDS_MS.length);
  });

  test("estimated percentiles lie in the bucket of the exact nearest-rank value", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rnd() * 300);
      const values = Array.from({ length: n }, () => Math.round(10 ** (rnd() * 5.5) * 1000) / 1000).sort((a, b) => a - b);
      const counts = new Array(BUCKET_BOUNDS_MS.length + 1).fill(0);
      for (const v of values) counts[bucketIndex(v)]++;
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = values[Math.ceil(q * n) - 1]!;
        const [lo, hi] = bucketRange(bucketIndex(exact));
        const est = quantileMs(counts, q)!;
        expect(est).toBeGreaterThanOrEqual(lo);
        expect(est).toBeLessThanOrEqual(hi);
      }
    }
    expect(quantileMs(new Array(19).fill(0), 0.5)).toBeNull();
  });
});

describe("metrics", () => {
  test("router outcomes and denial categories, exposed in valid Prometheus text", async () => {
    const { store } = catalog();
    const clock = clockAt(T0);
    const events = new EventBus();
    const metrics = new Metrics({ sqlite: store.sqlite, clock, events });
    const audit = new AuditLog(store.sqlite, store.db, clock);
    let enabled = false;
    const router = new Router({
      audit,
      events,
      // A connected, healthy agent whose frames go nowhere: calls that pass every check time out.
      link: () => ({ conn: { isClosed: () => false, send: () => true } as never, healthy: true, limiter: { admit: async () => ({ ok: true, release: () => {} }) } as never, defaultTimeoutMs: 50, capabilities: [] }),
      policy: () => ({ enabled, approved: new Set<string>() }),
      requestedPermissions: () => new Set(["env:read:X"]),
      maxTimeoutMs: 50,
      metrics,
    });
    metrics.bindRuntime({ ...view([`${AGENT}/work`, `${AGENT}/secret`]), isTool: (id) => !!router.tools.get(id) });
    const spec = (name: string, permissions: string[] = []) => ({ name, description: "", input_schema: { type: "object" }, permissions, streaming: false, cancellable: true });
    router.register(AGENT, { payload: { tools: [spec("work"), spec("secret", ["env:read:X"])] } } as never);
    const call = (tool: string, extra: object = {}) => router.call({ tool: `${AGENT}/${tool}`, arguments: {}, caller: { kind: "api", id: "t" }, ...extra });

    expect((await call("work")).ok).toBe(false); // agent not enabled → denied
    expect((await call("work", { scope: ["com.other/*"] })).ok).toBe(false); // outside a client token's scope → denied
    enabled = true;
    expect((await call("secret")).ok).toBe(false); // unapproved permission → denied
    expect((await call("nope")).ok).toBe(false); // unknown tool of a running agent → denied (shared series)
    const timedOut = await call("work");
    expect(!timedOut.ok && timedOut.error.code).toBe("timeout");
    const ac = new AbortController();
    const canceled = call("work", { signal: ac.signal });
    ac.abort();
    expect(await canceled).toMatchObject({ ok: false, error: { code: "canceled" } });
    // An ok and an error outcome, reported the way the router reports them.
    metrics.callDone(`${AGENT}/work`, null, 3);
    metrics.callDone(`${AGENT}/work`, { code: "invalid_arguments", message: "x" }, 0.2);

    const fams = parsePrometheus(exposition(metrics, clock.now()));
    const calls = (tool: string, outcome: string) => sampleValue(fams, "opensentience_tool_calls_total", { agent: AGENT, tool, outcome });
    expect([calls("work", "ok"), calls("work", "error"), calls("work", "denied"), calls("work", "canceled"), calls("work", "timeout")]).toEqual([1, 1, 2, 1, 1]);
    expect(calls("secret", "denied")).toBe(1);
    expect(calls("_unregistered", "denied")).toBe(1);
    const h = histogram(fams, "opensentience_tool_call_duration_seconds", { agent: AGENT, tool: "work" })!;
    expect(h.count).toBe(6);
    expect(h.buckets["+Inf"]).toBe(6);
    expect(h.buckets["0.05"]).toBeLessThanOrEqual(6);
    expect(sampleValue(fams, "opensentience_tool_calls_in_flight", { agent: AGENT, tool: "work" })).toBe(0);
    const denial = (category: string) => sampleValue(fams, "opensentience_agent_permission_denials_total", { agent: AGENT, category });
    expect([denial("agent_disabled"), denial("client_scope"), denial("unapproved_permission"), denial("unknown_tool"), denial("other")]).toEqual([1, 1, 1, 1, 0]);
    audit.flush();
  });

  test("rollups: stats survive a new Metrics over the same catalog; windows and retention", () => {
    const { store } = catalog();
    const clock = clockAt(T0);
    const a = new Metrics({ sqlite: store.sqlite, clock, events: new EventBus(), retentionDays: 1 });
    a.bindRuntime(view([`${AGENT}/work`]));
    const durations = [1, 2, 3, 40, 50, 60, 700, 800, 9000, 20];
    for (const d of durations) a.callDone(`${AGENT}/work`, null, d);
    a.callDone(`${AGENT}/work`, { code: "timeout", message: "" }, 30_000);
    a.stop(); // the daemon stopping writes the current minute

    clock.set(T0 + 10 * 60_000);
    const b = new Metrics({ sqlite: store.sqlite, clock, events: new EventBus(), retentionDays: 1 });
    const r = buildStats(b, clock.now(), false, AGENT);
    const t = r.agents[0]!.tools.find((x) => x.tool === "work")!;
    expect(t.lastHour).toMatchObject({ calls: 11, ok: 10, timeout: 1 });
    expect(t.lastHour.errorRate).toBeCloseTo(1 / 11);
    const all = [...durations, 30_000].sort((x, y) => x - y);
    for (const [q, key] of [[0.5, "p50Ms"], [0.95, "p95Ms"], [0.99, "p99Ms"]] as const) {
      const [lo, hi] = bucketRange(bucketIndex(all[Math.ceil(q * all.length) - 1]!));
      expect(t.lastHour[key]!).toBeGreaterThanOrEqual(lo);
      expect(t.lastHour[key]!).toBeLessThanOrEqual(hi);
    }
    expect(t.chart!.map((p) => p.calls)).toEqual([11]);

    // Two hours later: gone from the last hour, still retained.
    clock.set(T0 + 2 * 3_600_000);
    const later = buildStats(b, clock.now(), false, AGENT).agents[0]!.tools[0]!;
    expect(later.lastHour.calls).toBe(0);
    expect(later.retained.calls).toBe(11);
    // Past the retention: pruned.
    clock.set(T0 + 25 * 3_600_000);
    expect(b.prune()).toBe(1);
    expect(buildStats(b, clock.now(), false, AGENT).agents[0]!.tools).toEqual([]);
  });

  test("hostile tool ids share one series; unknown agents share `_unknown`", () => {
    const { store } = catalog();
    const m = new Metrics({ sqlite: store.sqlite, clock: clockAt(T0), events: new EventBus() });
    m.bindRuntime(view([`${AGENT}/work`]));
    for (let i = 0; i < 500; i++) m.callDone(`evil.${i}/x${i}`, { code: "unknown_tool", message: "" }, 1);
    for (let i = 0; i < 50; i++) m.callDone(`${AGENT}/t${i}`, { code: "unknown_tool", message: "" }, 1);
    expect(m.toolSeries().map((s) => `${s.agentId}/${s.tool}`).sort()).toEqual(["_unknown/_unregistered", `${AGENT}/_unregistered`]);
    expect(m.agent("_unknown").denials.reduce((x, y) => x + y, 0)).toBe(500);
  });

  test("label values are escaped; lifecycle counters come from audit events", () => {
    const { store } = catalog();
    const clock = clockAt(T0);
    const events = new EventBus();
    const m = new Metrics({ sqlite: store.sqlite, clock, events });
    m.bindRuntime(view([]));
    m.start();
    try {
      const audit = new AuditLog(store.sqlite, store.db, clock, (e) => events.emit({ type: "audit", event: e }));
      audit.record({ actor: "system", action: "agent.crash", agentId: AGENT, outcome: "error" });
      audit.record({ actor: "system", action: "agent.restart", agentId: AGENT, outcome: "started" });
      audit.record({ actor: "agent", action: "agent.egress_denied", agentId: AGENT, outcome: "denied" });
      audit.record({ actor: "system", action: "registry.sync", outcome: "ok", details: { name: 'we"ird\\reg\n', duration_ms: 1200 } });
      audit.record({ actor: "cli", action: "agent.build", agentId: AGENT, outcome: "error", details: { duration_ms: 45_000 } });
      m.httpResponse(routeClassOf("http://127.0.0.1:6767/api/v1/tools/call"), 200);
      m.httpResponse(routeClassOf("http://127.0.0.1:6767/metrics"), 401);
      const fams = parsePrometheus(exposition(m, clock.now()));
      expect(sampleValue(fams, "opensentience_agent_crashes_total", { agent: AGENT })).toBe(1);
      expect(sampleValue(fams, "opensentience_agent_restarts_total", { agent: AGENT })).toBe(1);
      expect(sampleValue(fams, "opensentience_agent_permission_denials_total", { agent: AGENT, category: "egress" })).toBe(1);
      expect(histogram(fams, "opensentience_registry_sync_duration_seconds", { result: "ok" })).toMatchObject({ count: 1, sum: 1.2 });
      expect(histogram(fams, "opensentience_build_duration_seconds", { result: "error" })!.buckets["30"]).toBe(0);
      expect(sampleValue(fams, "opensentience_http_requests_total", { route: "api", status: "200" })).toBe(1);
      expect(sampleValue(fams, "opensentience_http_requests_total", { route: "metrics", status: "401" })).toBe(1);
    } finally {
      m.stop();
    }
    expect(routeClassOf("http://localhost:1/assets/app.1.js")).toBe("asset");
    expect(routeClassOf("http://localhost:1/agents/x")).toBe("page");
  });
});

describe("chat turns", () => {
  test("counted per agent and outcome, with a duration histogram, in valid Prometheus text", () => {
    const { store } = catalog();
    const clock = clockAt(T0);
    const metrics = new Metrics({ sqlite: store.sqlite, clock, events: new EventBus() });
    metrics.chatDone(AGENT, "ok", 120);
    metrics.chatDone(AGENT, "ok", 480);
    metrics.chatDone(AGENT, "canceled", 2_000);
    metrics.chatDone("com.example.other", "timeout", 30_000);
    const fams = parsePrometheus(exposition(metrics, clock.now()));
    const turns = (agent: string, outcome: string) => sampleValue(fams, "opensentience_chat_turns_total", { agent, outcome });
    expect([turns(AGENT, "ok"), turns(AGENT, "canceled"), turns("com.example.other", "timeout")]).toEqual([2, 1, 1]);
    const h = histogram(fams, "opensentience_chat_turn_duration_seconds", { agent: AGENT, outcome: "ok" })!;
    expect(h.count).toBe(2);
    expect(h.sum).toBeCloseTo(0.6, 5);
  });
});
