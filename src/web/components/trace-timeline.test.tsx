import { describe, expect, test } from "bun:test";
import { PHASE } from "../../core/tracing/call-trace.ts";
import { tracingSettings } from "../../core/tracing/settings.ts";
import { Tracer } from "../../core/tracing/tracer.ts";
import { TraceTimeline } from "./trace-timeline.tsx";

/** The spans of one finished call, with or without the agent's own span. */
function spans(agentSpan: boolean) {
  const t = new Tracer({ ...tracingSettings(undefined, {}), propagate: agentSpan ? "always" : "sampled" });
  const id = crypto.randomUUID();
  const c = t.call(id, "a.b/x", "a.b", "cli", undefined, undefined, performance.now());
  for (const p of [PHASE.checked, PHASE.validated, PHASE.admitting, PHASE.admitted]) c.mark(p);
  const nowUs = (performance.timeOrigin + performance.now()) * 1000;
  if (agentSpan) c.agentSpan({ span_id: "00f067aa0ba902b7", start_us: nowUs, end_us: nowUs + 10 });
  c.end(undefined);
  return t.store.spansFor(id);
}

describe("trace timeline", () => {
  test("an unsampled call's waterfall says why the agent's span is missing and how to get it", async () => {
    const html = String(await TraceTimeline({ spans: spans(false) }));
    expect(html).toContain('data-span="agent.execute"');
    expect(html).not.toContain('data-span="agent.tool"');
    expect(html).toContain('data-testid="trace-unsampled"');
    expect(html).toContain("tracing.propagate");
  });

  test("with the agent's span there is no such note", async () => {
    const html = String(await TraceTimeline({ spans: spans(true) }));
    expect(html).toContain('data-span="agent.tool"');
    expect(html).not.toContain('data-testid="trace-unsampled"');
  });
});
