/**
 * A tiny OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts
 * `POST /v1/traces` with OTLP JSON (what @opentelemetry/exporter-trace-otlp-http
 * sends) and keeps the decoded spans, each with its resource's service.name.
 */
export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  statusCode: number;
  statusMessage: string;
  attributes: Record<string, string | number | boolean>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}

/** OTLP JSON ids are hex; base64 (protobuf-style JSON) is accepted too. */
function id(v: unknown): string {
  if (typeof v !== "string" || v === "") return "";
  if (/^[0-9a-f]+$/i.test(v) && (v.length === 32 || v.length === 16)) return v.toLowerCase();
  return Buffer.from(v, "base64").toString("hex");
}

function value(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.doubleValue ?? "";
}

export function decodeOtlpJson(body: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body?.resourceSpans ?? []) {
    const service = String(value((rs.resource?.attributes ?? []).find((a: any) => a.key === "service.name")?.value ?? {}));
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          scope: ss.scope?.name ?? "",
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: id(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? "",
          attributes: Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, value(a.value)])),
        });
      }
    }
  }
  return out;
}

export interface OtlpReceiver {
  /** Base URL, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  requests: number;
  stop(): void;
}

export function startOtlpReceiver(): OtlpReceiver {
  const r: OtlpReceiver = { url: "", spans: [], requests: 0, stop: () => server.stop(true) };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      r.requests++;
      const path = new URL(req.url).pathname;
      if (req.method !== "POST" || path !== "/v1/traces") return new Response("not found", { status: 404 });
      if (!(req.headers.get("content-type") ?? "").includes("json")) return new Response("json only", { status: 415 });
      r.spans.push(...decodeOtlpJson(await req.json()));
      return Response.json({});
    },
  });
  r.url = `http://127.0.0.1:${server.port}`;
  return r;
}
