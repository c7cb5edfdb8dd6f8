/**
 * Tracing through the COMPILED binary: the daemon started with
 * OTEL_EXPORTER_OTLP_ENDPOINT loads the OpenTelemetry exporter from inside
 * the single binary (a lazily imported chunk) and sends a real tool call's
 * spans — the agent's own span included — to a local OTLP/HTTP receiver; the
 * audit page's timeline for that correlation id shows the same spans with
 * their timings.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../helpers/otlp-receiver.ts";
import { loginOverHttp, type RunningDaemon, runBinary, startWebDaemon, type TempHome, tempHome } from "../helpers/web-daemon.ts";

const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "../..");
let receiver: OtlpReceiver;
let home: TempHome;
let d: RunningDaemon;

async function cli(args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await Promise.race([runBinary(args, home.env), Bun.sleep(timeoutMs).then(() => ({ code: -1, stdout: "", stderr: `timed out after ${timeoutMs} ms` }))]);
  if (r.code !== 0) throw new Error(`opensentience ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  receiver = startOtlpReceiver();
  home = tempHome();
  const cache = join(home.dir, "cache");
  Object.assign(home.env, { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir"), MIX_HOME: join(cache, "mix"), HEX_HOME: join(cache, "hex"), HEX_OFFLINE: "1" });
  writeFileSync(join(home.home, "config.json"), JSON.stringify({ scan_roots: [], limits: { heartbeat_interval_ms: 1000, shutdown_grace_ms: 3000 } }));
  const reg = publishExamples(home.dir, [ECHO]);
  await cli(["registry", "add", "local", reg.url]);
  await cli(["registry", "sync"]);
  await cli(["agents", "install", ECHO, "--yes"], 240_000);
  await cli(["agents", "enable", ECHO, "--approve-all"]);
  d = await startWebDaemon({ home, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  await cli(["agents", "run", ECHO]);
}, 300_000);

afterAll(async () => {
  await d?.stop();
  home?.cleanup();
  receiver?.stop();
});

describe("tracing in the compiled daemon", () => {
  test("a call's spans reach the OTLP receiver and the audit timeline shows them", async () => {
    const corr = crypto.randomUUID();
    const res = await d.api("/api/v1/tools/call", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "traced" }, correlation_id: corr }) });
    expect(res.status).toBe(200);
    const traceId = corr.replaceAll("-", "");
    const spans = await waitFor(() => {
      const s = receiver.spans.filter((x) => x.traceId === traceId);
      return s.length >= 7 ? s : null;
    }, { what: "7 spans at the OTLP receiver", timeoutMs: 20_000 });
    const root = spans.find((s) => s.name === "tool.call")!;
    expect(root.parentSpanId).toBe("");
    expect(root.service).toBe("opensentience-core");
    const exec = spans.find((s) => s.name === "agent.execute")!;
    expect(exec.parentSpanId).toBe(root.spanId);
    const agent = spans.find((s) => s.name === "agent.tool")!;
    expect(agent.parentSpanId).toBe(exec.spanId);
    expect(agent.service).toBe(ECHO);

    const s = await loginOverHttp(d);
    const page = await (await fetch(`${d.url}/audit?correlation=${corr}`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain('data-testid="trace-timeline"');
    expect(page).toContain(traceId);
    for (const name of ["tool.call", "permission.check", "schema.validate", "limits.admit", "queue.wait", "agent.execute", "agent.tool"]) expect(page).toContain(`data-span="${name}"`);
    expect(page).not.toContain('data-testid="trace-unsampled"');
    expect((page.match(/data-testid="span-duration"/g) ?? []).length).toBe(7);
    // An id with no spans in memory says so instead of showing an empty table.
    const none = await (await fetch(`${d.url}/audit?correlation=${crypto.randomUUID()}`, { headers: { cookie: s.cookie } })).text();
    expect(none).toContain('data-testid="trace-empty"');
  });

  test("an API client's traceparent header: the call's trace nests under the client's span; a malformed one is ignored", async () => {
    const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const call = (headers: Record<string, string>, correlation: string) =>
      d.api("/api/v1/tools/call", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" }, correlation_id: correlation }) });
    const corr = crypto.randomUUID();
    expect((await call({ traceparent: `00-${clientTrace}-${clientSpan}-01` }, corr)).status).toBe(200);
    const root = await waitFor(() => receiver.spans.find((s) => s.name === "tool.call" && s.attributes["opensentience.correlation_id"] === corr), { what: "the root span", timeoutMs: 20_000 });
    expect(root.traceId).toBe(clientTrace);
    expect(root.parentSpanId).toBe(clientSpan);
    const bad = crypto.randomUUID();
    expect((await call({ traceparent: "00-nonsense-01" }, bad)).status).toBe(200);
    const own = await waitFor(() => receiver.spans.find((s) => s.name === "tool.call" && s.attributes["opensentience.correlation_id"] === bad), { what: "the root span", timeoutMs: 20_000 });
    expect(own.traceId).toBe(bad.replaceAll("-", ""));
    expect(own.parentSpanId).toBe("");
  });
});

describe("config show", () => {
  test("says which calls' agents report their span: sampled only by default, every call with an endpoint or propagate always", async () => {
    expect(await cli(["config", "show"])).toMatch(/agent spans\s+sampled traces only/);
    expect(JSON.parse(await cli(["config", "show", "--json"]))).toMatchObject({ tracing: { propagate: "sampled", otlp_traces_url: null } });
    const exported = await runBinary(["config", "show"], { ...home.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(exported.stdout).toMatch(/agent spans\s+every call's agent gets a traceparent/);
  });
});
