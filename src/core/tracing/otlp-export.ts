/**
 * OTLP/HTTP export with OpenTelemetry's official packages: our span records
 * become ReadableSpans, batched by the SDK's BatchSpanProcessor and sent by
 * OTLPTraceExporter (JSON over HTTP). Imported only when an endpoint is
 * configured (see Tracer.start), so a daemon without one never loads it.
 */
import { type Attributes, type HrTime, type SpanContext, SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { VERSION } from "../../version.ts";
import type { TracingSettings } from "./settings.ts";
import type { SpanRecord } from "./span-record.ts";
import type { SpanExportSink } from "./tracer.ts";

const hrTime = (ms: number): HrTime => {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
};

export function createOtlpSink(settings: TracingSettings): SpanExportSink {
  if (!settings.tracesUrl) throw new Error("no OTLP endpoint configured");
  const exporter = new OTLPTraceExporter({ url: settings.tracesUrl });
  const processor = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 500, maxQueueSize: 8192, maxExportBatchSize: 512 });
  const core = resourceFromAttributes({ "service.name": settings.serviceName, "service.version": VERSION });
  const coreScope = { name: "opensentience-core", version: VERSION };
  const agentScope = { name: "opensentience-agent-sdk" };
  // Spans an agent reported belong to that agent's service, so collectors show the hop between processes.
  const agentResources = new Map<string, Resource>();
  const agentResource = (id: string) => {
    let r = agentResources.get(id);
    if (!r) {
      if (agentResources.size > 1000) agentResources.clear();
      agentResources.set(id, (r = resourceFromAttributes({ "service.name": id || "opensentience-agent" })));
    }
    return r;
  };
  const readable = (s: SpanRecord): ReadableSpan => {
    const ctx: SpanContext = { traceId: s.traceId, spanId: s.spanId, traceFlags: TraceFlags.SAMPLED };
    const agent = s.kind === "agent";
    return {
      name: s.name,
      kind: s.kind === "internal" ? SpanKind.INTERNAL : SpanKind.SERVER,
      spanContext: () => ctx,
      ...(s.parentSpanId ? { parentSpanContext: { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: agent } } : {}),
      startTime: hrTime(s.startMs),
      endTime: hrTime(s.endMs),
      duration: hrTime(s.endMs - s.startMs),
      status: s.error ? { code: SpanStatusCode.ERROR, message: s.error } : { code: SpanStatusCode.OK },
      attributes: s.attributes as Attributes,
      links: [],
      events: [],
      ended: true,
      resource: agent ? agentResource(String(s.attributes["opensentience.agent_id"] ?? "")) : core,
      instrumentationScope: agent ? agentScope : coreScope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  };
  return {
    push(spans) {
      for (const s of spans) processor.onEnd(readable(s));
    },
    shutdown: () => processor.shutdown(),
  };
}
