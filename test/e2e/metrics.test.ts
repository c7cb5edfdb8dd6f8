/**
 * Metrics end to end (issue 15): the COMPILED daemon, the real Elixir echo
 * example agent, a scripted mix of ok / error / denied / canceled / timeout
 * calls; then /metrics parsed by the official Prometheus parser has exactly
 * those counts, `stats --json` percentiles lie in the bucket of the exact
 * percentile of the durations the audit log recorded, the stats survive a
 * daemon restart, and /metrics is never anonymous (admin token or a
 * `metrics` client token only; 401 JSON otherwise; Host checked).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { binaryPath, waitFor } from "../helpers/binary.ts";
import { histogram, parsePrometheus, sampleValue } from "../helpers/prometheus.ts";
import { getWithHost } from "../helpers/raw-http.ts";
import { ECHO, liveEnv, type LiveEnv, waitState } from "../browser/live-fixture.ts";
import { bucketIndex, bucketRange } from "../../src/core/metrics/histogram.ts";
import type { StatsReport } from "../../src/core/metrics/stats.ts";

let env: LiveEnv;

/** What the script below does, per tool and outcome. */
const EXPECTED: Record<string, Record<string, number>> = {
  echo: { ok: 4, error: 0, denied: 0, canceled: 0, timeout: 0 },
  add: { ok: 2, error: 1, denied: 0, canceled: 0, timeout: 0 },
  fail: { ok: 0, error: 3, denied: 0, canceled: 0, timeout: 0 },
  read_secret: { ok: 0, error: 0, denied: 2, canceled: 0, timeout: 0 },
  slow_count: { ok: 1, error: 0, denied: 0, canceled: 1, timeout: 1 },
};

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-metrics-", publish: [ECHO], install: [ECHO] });
  // read_secret needs this permission: withdrawn, its calls are denied.
  await env.run(["agents", "revoke", ECHO, "env:read:ECHO_EXAMPLE_SECRET"]);
  const r = await env.api<{ state: string }>(`/api/v1/agents/${ECHO}/run`, { method: "POST", body: {} });
  expect(r.body.state).toBe("running");

  const call = (tool: string, args: unknown, extra: object = {}) => env.api<{ output?: unknown; error?: { code: string } }>("/api/v1/tools/call", { body: { tool: `${ECHO}/${tool}`, arguments: args, ...extra } });
  for (const text of ["a", "bb", "ccc", "dddd"]) expect((await call("echo", { text })).status).toBe(200);
  expect((await call("add", { a: 1, b: 2 })).status).toBe(200);
  expect((await call("add", { a: 3, b: 4 })).status).toBe(200);
  expect((await call("add", { a: "x" })).body.error?.code).toMatch(/^invalid_argument/);
  for (let i = 0; i < 3; i++) expect((await call("fail", { message: `no ${i}` })).body.error?.code).toMatch(/^invalid_argument/);
  for (let i = 0; i < 2; i++) expect((await call("read_secret", {})).body.error?.code).toMatch(/permission_denied|forbidden/);
  expect((await call("slow_count", { n: 2, interval_ms: 10 })).status).toBe(200);
  expect((await call("slow_count", { n: 100, interval_ms: 100 }, { timeout_ms: 300 })).body.error?.code).toMatch(/timeout/);
  // Canceled: Ctrl-C of the CLI while the call streams.
  const p = Bun.spawn([await binaryPath(), "tools", "call", `${ECHO}/slow_count`, "--args", '{"n":1000,"interval_ms":50}'], { cwd: env.box.cwd, env: env.box.env, stdout: "pipe", stderr: "pipe" });
  const reader = p.stderr.getReader();
  for (let err = ""; !err.includes("…"); ) {
    const { value, done } = await reader.read();
    if (done) break;
    err += new TextDecoder().decode(value);
  }
  p.kill("SIGINT");
  expect(await p.exited).toBe(130); // Ctrl-C: 128 + SIGINT (issue 17)
  // The CLI may exit before the daemon has seen the stream close: wait for the call's end in the audit log.
  await waitFor(async () => (await env.api<{ events: Array<{ details: { error?: string } }> }>(`/api/v1/audit?agent=${ECHO}&action=tool.call&limit=100`)).body.events.some((e) => e.details.error === "canceled"), { what: "the canceled call in the audit log" });
}, 400_000);

afterAll(async () => {
  await env?.close();
});

const metricsText = async (authorization: string | null, path = "/metrics") => {
  const res = await fetch(`${env.url}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
};

const stats = async () => (await env.run(["stats", "--agent", ECHO, "--json"])).json<StatsReport>();

/** Durations of the tool.call audit events per tool (the router records the same number in both). */
async function auditDurations(): Promise<Map<string, number[]>> {
  const r = await env.api<{ events: Array<{ details: { tool: string; duration_ms: number } }> }>(`/api/v1/audit?agent=${ECHO}&action=tool.call&limit=1000`);
  const by = new Map<string, number[]>();
  for (const e of r.body.events) {
    const tool = e.details.tool.slice(ECHO.length + 1);
    by.set(tool, [...(by.get(tool) ?? []), e.details.duration_ms]);
  }
  return by;
}

function expectPercentilesMatch(report: StatsReport, durations: Map<string, number[]>) {
  const tools = report.agents.find((a) => a.agentId === ECHO)!.tools;
  for (const [tool, ds] of durations) {
    const sorted = [...ds].sort((a, b) => a - b);
    const t = tools.find((x) => x.tool === tool)!;
    for (const [q, key] of [[0.5, "p50Ms"], [0.95, "p95Ms"], [0.99, "p99Ms"]] as const) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const [lo, hi] = bucketRange(bucketIndex(exact));
      const got = t.lastHour[key]!;
      if (got < lo || got > hi) throw new Error(`${tool} ${key}: ${got} ms is outside the bucket [${lo}, ${hi}] of the audit's ${exact} ms`);
    }
  }
}

describe("metrics of a scripted mix of calls", () => {
  test("/metrics has exactly those counts (official Prometheus parser)", async () => {
    const m = await metricsText(`Bearer ${env.token}`);
    expect(m.status).toBe(200);
    expect(m.type).toStartWith("text/plain; version=0.0.4");
    const samples = parsePrometheus(m.text);
    for (const [tool, outcomes] of Object.entries(EXPECTED)) {
      for (const [outcome, n] of Object.entries(outcomes)) expect({ tool, outcome, n: sampleValue(samples, "opensentience_tool_calls_total", { agent: ECHO, tool, outcome }) }).toEqual({ tool, outcome, n });
      const h = histogram(samples, "opensentience_tool_call_duration_seconds", { agent: ECHO, tool })!;
      expect(h.count).toBe(Object.values(outcomes).reduce((a, b) => a + b, 0));
      expect(h.buckets["+Inf"]).toBe(h.count);
      expect(sampleValue(samples, "opensentience_tool_calls_in_flight", { agent: ECHO, tool })).toBe(0);
    }
    expect(sampleValue(samples, "opensentience_agent_permission_denials_total", { agent: ECHO, category: "unapproved_permission" })).toBe(2);
    expect(sampleValue(samples, "opensentience_agent_up", { agent: ECHO })).toBe(1);
    expect(sampleValue(samples, "opensentience_agent_frames_total", { agent: ECHO, direction: "in" })).toBeGreaterThan(12);
    expect(sampleValue(samples, "opensentience_agent_bytes_total", { agent: ECHO, direction: "out" })).toBeGreaterThan(0);
    expect(sampleValue(samples, "opensentience_http_requests_total", { route: "api", status: "200" })).toBeGreaterThan(0);
    // No argument values in labels: the texts sent to echo appear nowhere.
    expect(m.text).not.toContain("dddd");
  });

  test("stats --json: counts, and p50/p95/p99 within a bucket of the audit log's durations", async () => {
    const report = await stats();
    expect(report.live).toBe(true);
    const a = report.agents.find((x) => x.agentId === ECHO)!;
    expect(a.state).toBe("running");
    expect(a.uptimeSeconds).toBeGreaterThanOrEqual(0);
    for (const [tool, o] of Object.entries(EXPECTED)) {
      const t = a.tools.find((x) => x.tool === tool)!;
      const w = t.lastHour;
      expect({ tool, calls: w.calls, ok: w.ok, error: w.error, denied: w.denied, canceled: w.canceled, timeout: w.timeout }).toEqual({ tool, calls: Object.values(o).reduce((x, y) => x + y, 0), ...(o as { ok: number; error: number; denied: number; canceled: number; timeout: number }) });
      expect(t.retained.calls).toBe(t.lastHour.calls);
    }
    const durations = await auditDurations();
    expect([...durations.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    expectPercentilesMatch(report, durations);
    const text = (await env.run(["stats", "--agent", ECHO])).stdout;
    expect(text).toContain("slow_count");
    expect(text).toMatch(/read_secret\s+2\s+100%/);
  });

  test("stats survive a daemon restart (per-minute rollups)", async () => {
    const before = await stats();
    await env.restartDaemon();
    const after = await stats();
    const tools = (r: StatsReport) => r.agents.find((x) => x.agentId === ECHO)!.tools.map((t) => ({ tool: t.tool, lastHour: t.lastHour, retained: t.retained }));
    expect(tools(after)).toEqual(tools(before));
    expectPercentilesMatch(after, await auditDurations());
    // Counters on /metrics are the new process's own (Prometheus counters reset with the process).
    const samples = parsePrometheus((await metricsText(`Bearer ${env.token}`)).text);
    expect(sampleValue(samples, "opensentience_tool_calls_total", { agent: ECHO, tool: "echo", outcome: "ok" }) ?? 0).toBe(0);
    // The agent comes back with the daemon (its intent is running).
    await waitState(env, ECHO, "running");
  });
});

test("the CLI's audit list shows the call the caller canceled as canceled, not as an error (issue 17, finding 5)", async () => {
  const api = (await env.api<{ events: Array<{ outcome: string; details: { error?: string } }> }>(`/api/v1/audit?agent=${ECHO}&action=tool.call&limit=100`)).body.events;
  const canceled = api.filter((e) => e.details.error === "canceled");
  expect(canceled.length).toBeGreaterThanOrEqual(1);
  expect(canceled.every((e) => e.outcome === "error")).toBe(true); // stored as error + details.error (the outcome CHECK has no 'canceled')
  const lines = (await env.run(["audit", "--agent", ECHO, "--action", "tool.call", "--limit", "100"])).stdout.split("\n");
  // The outcome column follows the agent column.
  expect(lines.filter((l) => new RegExp(`${ECHO.replaceAll(".", "\\.")}\\s+canceled\\s`).test(l))).toHaveLength(canceled.length);
});

describe("who may read /metrics", () => {
  test("unauthenticated or a bad token: 401 JSON (also /api/v1/metrics); a wrong Host: 403", async () => {
    const anon = await metricsText(null);
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.text).error.code).toBe("unauthorized");
    const bad = await metricsText("Bearer not-a-token");
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.text).error.code).toBe("unauthorized");
    const api = await metricsText(null, "/api/v1/metrics");
    expect(api.status).toBe(401);
    const rebind = await getWithHost(env.port, "/metrics", `evil.example:${env.port}`, [`Authorization: Bearer ${env.token}`]);
    expect(rebind.status).toBe(403);
  });

  test("a metrics client token reads /metrics and nothing else; a tool token may not read metrics", async () => {
    const prom = (await env.run(["token", "create", "prom", "--metrics"])).stdout.trim();
    expect(prom).toStartWith("osct_");
    const ok = await metricsText(`Bearer ${prom}`);
    expect(ok.status).toBe(200);
    parsePrometheus(ok.text);
    expect((await metricsText(`Bearer ${prom}`, "/api/v1/metrics")).status).toBe(200);
    // Not the admin API: stats, tools, anything else.
    expect((await fetch(`${env.url}/api/v1/stats`, { headers: { authorization: `Bearer ${prom}` } })).status).toBe(401);
    const tools = (await env.run(["token", "create", "toolsonly", "--tools", `${ECHO}/*`])).stdout.trim();
    const refused = await metricsText(`Bearer ${tools}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.message).toContain("no metrics scope");
    await env.run(["token", "revoke", "prom"]);
    expect((await metricsText(`Bearer ${prom}`)).status).toBe(401);
  });
});

describe("without a daemon", () => {
  test("stats reads the stored rollups (no live counters)", async () => {
    const live = await stats();
    await env.daemon.stop("SIGTERM");
    const stored = await stats();
    expect(stored.live).toBe(false);
    const tools = (r: StatsReport) => r.agents.find((x) => x.agentId === ECHO)!.tools.map((t) => ({ tool: t.tool, lastHour: t.lastHour, retained: t.retained, inflight: 0 }));
    expect(tools(stored)).toEqual(tools(live));
    expect((await env.run(["stats"])).stdout).toContain("daemon not running: stored rollups only");
  });
});
