/**
 * The spans of one trace (a tool call or chat turn and the calls under it) as
 * a waterfall: each span indented under its parent, its offset from the
 * trace's start, its duration and a bar drawn as SVG (no inline styles: the
 * CSP forbids them). Spans are kept in memory only, so older traces have none.
 */
import type { SpanRecord } from "../../core/tracing/span-record.ts";
import { Badge } from "./badges.tsx";

const BAR_W = 240;
const BAR_H = 10;
const FILL = { server: "#4f6bed", internal: "#8a94a6", agent: "#1f9d6b" } as const;

/** Spans in tree order (parents before children, siblings by start), with their depth. */
function treeOrder(spans: SpanRecord[]): Array<{ s: SpanRecord; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) {
      const list = kids.get(s.parentSpanId) ?? [];
      list.push(s);
      kids.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const out: Array<{ s: SpanRecord; depth: number }> = [];
  const seen = new Set<string>();
  const walk = (s: SpanRecord, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    out.push({ s, depth });
    for (const k of (kids.get(s.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) walk(k, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startMs - b.startMs)) walk(r, 0);
  return out;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function label(s: SpanRecord): string {
  const a = s.attributes;
  if (s.name === "tool.call") return `tool.call ${String(a["opensentience.tool"] ?? "")}`;
  if (s.name === "chat.turn") return `chat.turn ${String(a["opensentience.agent_id"] ?? "")}`;
  return s.name;
}

export function TraceTimeline({ spans }: { spans: SpanRecord[] }) {
  if (spans.length === 0) {
    return (
      <p class="muted" data-testid="trace-empty">
        No spans in memory for this id (tracing is off, the daemon restarted, or it is older than the recent traces kept).
      </p>
    );
  }
  const t0 = Math.min(...spans.map((s) => s.startMs));
  const total = Math.max(1e-6, Math.max(...spans.map((s) => s.endMs)) - t0);
  return (
    <div class="card table-card" data-testid="trace-timeline">
      <table class="table audit-table">
        <caption class="muted">
          Spans of trace <code safe>{spans[0]!.traceId}</code>, <span safe>{`${ms(total)} ms in all`}</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Span</th>
            <th scope="col">Where</th>
            <th scope="col">Start</th>
            <th scope="col">Duration</th>
            <th scope="col">Timeline</th>
          </tr>
        </thead>
        <tbody>
          {treeOrder(spans).map(({ s, depth }) => {
            const x = ((s.startMs - t0) / total) * BAR_W;
            const w = Math.max(1, ((s.endMs - s.startMs) / total) * BAR_W);
            const where: string = s.kind === "agent" ? String(s.attributes["opensentience.agent_id"] ?? "agent") : "core";
            return (
              <tr data-span={s.name}>
                <td data-label="Span" class="mono nowrap">
                  <span safe>{`${"\u00a0\u00a0".repeat(depth)}${depth ? "└ " : ""}${label(s)}`}</span>
                  {s.error ? (
                    <>
                      {" "}
                      <Badge tone="danger" label={s.error} />
                    </>
                  ) : (
                    ""
                  )}
                </td>
                <td data-label="Where" class="mono" safe>
                  {where}
                </td>
                <td data-label="Start" class="mono nowrap" safe>{`+${ms(s.startMs - t0)} ms`}</td>
                <td data-label="Duration" class="mono nowrap" data-testid="span-duration" safe>{`${ms(s.endMs - s.startMs)} ms`}</td>
                <td data-label="Timeline">
                  <svg width={String(BAR_W)} height={String(BAR_H)} viewBox={`0 0 ${BAR_W} ${BAR_H}`} role="img" aria-label={`${ms(s.endMs - s.startMs)} ms`}>
                    <rect x={x.toFixed(2)} y="0" width={w.toFixed(2)} height={String(BAR_H)} rx="2" fill={s.error ? "#d64545" : FILL[s.kind]} />
                  </svg>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {spans.some((s) => s.name === "agent.execute") && !spans.some((s) => s.kind === "agent") ? (
        <p class="muted" data-testid="trace-unsampled">
          No agent span: agents are asked for their own span only for sampled traces (an OTLP endpoint is set, the caller's traceparent is sampled, or config <code>tracing.propagate: "always"</code>); a sampled trace without one is an agent that did not report it.
        </p>
      ) : (
        ""
      )}
    </div>
  );
}
