/**
 * Prometheus text exposition (format 0.0.4) of the daemon's metrics. A small
 * writer: our series are preallocated typed arrays (see series.ts), which a
 * client library's per-observation API would not use; the output is checked
 * by a real Prometheus text parser in prometheus.test.ts and the e2e test.
 * Labels carry ids only (agent, tool, outcome, category, route class, status):
 * never arguments, never secrets.
 */
import { BUCKET_BOUNDS_MS, BUCKET_COUNT } from "./histogram.ts";
import type { HistogramCell } from "./labeled-histogram.ts";
import type { Metrics } from "./metrics.ts";
import { DENIAL_CATEGORIES, OUTCOMES } from "./series.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const LE = [...BUCKET_BOUNDS_MS.map((b) => String(b / 1000)), "+Inf"];

/** Label value escaping of the text format: backslash, double quote, newline. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN");

class Writer {
  readonly lines: string[] = [];
  family(name: string, type: "counter" | "gauge" | "histogram", help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, l: Record<string, string>, v: number): void {
    this.lines.push(`${name}${labels(l)} ${num(v)}`);
  }
  /** One histogram's samples from per-bucket counts in ms. */
  histogram(name: string, l: Record<string, string>, buckets: ArrayLike<number>, sumMs: number): void {
    let cum = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      cum += buckets[i]!;
      this.sample(`${name}_bucket`, { ...l, le: LE[i]! }, cum);
    }
    this.sample(`${name}_sum`, l, sumMs / 1000);
    this.sample(`${name}_count`, l, cum);
  }
  cells(name: string, label: string, cells: Map<string, HistogramCell>): void {
    for (const [v, c] of [...cells].sort(([a], [b]) => a.localeCompare(b))) this.histogram(name, { [label]: v }, c.buckets, c.sumMs);
  }
}

export function exposition(m: Metrics, now: number): string {
  const w = new Writer();
  const tools = m.toolSeries().sort((a, b) => a.agentId.localeCompare(b.agentId) || a.tool.localeCompare(b.tool));

  w.family("opensentience_tool_calls_total", "counter", "Tool calls by outcome (ok, error, denied, canceled, timeout) since the daemon started.");
  for (const s of tools) OUTCOMES.forEach((o, i) => w.sample("opensentience_tool_calls_total", { agent: s.agentId, tool: s.tool, outcome: o }, s.outcomes[i]!));
  w.family("opensentience_tool_call_duration_seconds", "histogram", "Tool call duration, from the router's receipt to the outcome, every outcome.");
  for (const s of tools) w.histogram("opensentience_tool_call_duration_seconds", { agent: s.agentId, tool: s.tool }, s.buckets, s.sumMs);
  w.family("opensentience_tool_calls_in_flight", "gauge", "Tool calls admitted and not finished.");
  for (const s of tools) w.sample("opensentience_tool_calls_in_flight", { agent: s.agentId, tool: s.tool }, s.inflight);

  const statuses = new Map((m.runtime?.statuses() ?? []).map((s) => [s.agentId, s]));
  const agentIds = [...new Set([...statuses.keys(), ...m.agentSeries().map((a) => a.agentId)])].sort();
  w.family("opensentience_agent_up", "gauge", "1 when the agent is running and connected.");
  for (const id of agentIds) w.sample("opensentience_agent_up", { agent: id }, statuses.get(id)?.state === "running" && statuses.get(id)?.connected ? 1 : 0);
  w.family("opensentience_agent_healthy", "gauge", "1 when the agent is running and its heartbeats arrive.");
  for (const id of agentIds) w.sample("opensentience_agent_healthy", { agent: id }, statuses.get(id)?.state === "running" && statuses.get(id)?.healthy ? 1 : 0);
  w.family("opensentience_agent_uptime_seconds", "gauge", "Seconds since the running agent registered its tools (absent when not running).");
  for (const id of agentIds) {
    const st = statuses.get(id);
    if (st?.state === "running" && st.startedAt) w.sample("opensentience_agent_uptime_seconds", { agent: id }, Math.max(0, (now - Date.parse(st.startedAt)) / 1000));
  }
  w.family("opensentience_agent_heartbeat_age_seconds", "gauge", "Seconds since the last frame from the connected agent.");
  for (const id of agentIds) {
    const st = statuses.get(id);
    if (st?.connected && st.lastHeartbeatAt) w.sample("opensentience_agent_heartbeat_age_seconds", { agent: id }, Math.max(0, (now - Date.parse(st.lastHeartbeatAt)) / 1000));
  }
  const series = new Map(m.agentSeries().map((a) => [a.agentId, a]));
  w.family("opensentience_agent_launches_total", "counter", "Agent process launches (starts and restarts).");
  for (const id of agentIds) w.sample("opensentience_agent_launches_total", { agent: id }, series.get(id)?.launches ?? 0);
  w.family("opensentience_agent_restarts_total", "counter", "Automatic restarts after a crash.");
  for (const id of agentIds) w.sample("opensentience_agent_restarts_total", { agent: id }, series.get(id)?.restarts ?? 0);
  w.family("opensentience_agent_crashes_total", "counter", "Agent processes that ended without being asked to.");
  for (const id of agentIds) w.sample("opensentience_agent_crashes_total", { agent: id }, series.get(id)?.crashes ?? 0);
  const traffic = new Map(agentIds.map((id) => [id, m.traffic(id)]));
  w.family("opensentience_agent_frames_total", "counter", "Protocol frames exchanged with the agent.");
  for (const [id, t] of traffic) {
    w.sample("opensentience_agent_frames_total", { agent: id, direction: "in" }, t.framesIn);
    w.sample("opensentience_agent_frames_total", { agent: id, direction: "out" }, t.framesOut);
  }
  w.family("opensentience_agent_bytes_total", "counter", "Protocol bytes exchanged with the agent.");
  for (const [id, t] of traffic) {
    w.sample("opensentience_agent_bytes_total", { agent: id, direction: "in" }, t.bytesIn);
    w.sample("opensentience_agent_bytes_total", { agent: id, direction: "out" }, t.bytesOut);
  }
  w.family("opensentience_agent_permission_denials_total", "counter", "Denied tool calls, tool.invoke requests and egress connections, by category.");
  for (const id of agentIds) {
    const a = series.get(id);
    DENIAL_CATEGORIES.forEach((c, i) => w.sample("opensentience_agent_permission_denials_total", { agent: id, category: c }, a?.denials[i] ?? 0));
  }

  const chatting = m.agentSeries().filter((a) => a.chat.cells.size).sort((a, b) => a.agentId.localeCompare(b.agentId));
  w.family("opensentience_chat_turns_total", "counter", "Chat turns sent to agents, by outcome (ok, error, canceled, timeout).");
  for (const a of chatting) for (const [o, c] of [...a.chat.cells].sort(([x], [y]) => x.localeCompare(y))) w.sample("opensentience_chat_turns_total", { agent: a.agentId, outcome: o }, c.count);
  w.family("opensentience_chat_turn_duration_seconds", "histogram", "Chat turn duration, from sending the message to the agent's last reply, by outcome.");
  for (const a of chatting) for (const [o, c] of [...a.chat.cells].sort(([x], [y]) => x.localeCompare(y))) w.histogram("opensentience_chat_turn_duration_seconds", { agent: a.agentId, outcome: o }, c.buckets, c.sumMs);

  w.family("opensentience_http_requests_total", "counter", "HTTP responses by route class and status code.");
  for (const [cls, byStatus] of [...m.http].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [status, n] of [...byStatus].sort(([a], [b]) => a - b)) w.sample("opensentience_http_requests_total", { route: cls, status: String(status) }, n);
  }
  w.family("opensentience_sse_clients", "gauge", "Open Server-Sent Events streams of the web UI.");
  w.sample("opensentience_sse_clients", {}, m.sseClientCount());
  w.family("opensentience_registry_sync_duration_seconds", "histogram", "Registry syncs by result (ok, error, denied).");
  w.cells("opensentience_registry_sync_duration_seconds", "result", m.registrySyncs.cells);
  w.family("opensentience_build_duration_seconds", "histogram", "Agent builds (deps.get + compile) by result.");
  w.cells("opensentience_build_duration_seconds", "result", m.builds.cells);
  w.family("opensentience_daemon_start_time_seconds", "gauge", "When the daemon started, Unix time.");
  w.sample("opensentience_daemon_start_time_seconds", {}, Math.floor(m.startedAt / 1000));
  return `${w.lines.join("\n")}\n`;
}
