/**
 * Tracing settings: config.json `tracing` plus the standard OpenTelemetry
 * environment variables. Export is on only when an OTLP/HTTP endpoint is
 * given; without one no span leaves the process.
 */
import { z } from "zod";
import { AppError } from "../errors.ts";

export const tracingConfigSchema = z
  .object({
    /** Record spans at all (in memory, for the audit timeline; exported only with an endpoint). */
    enabled: z.boolean().default(true),
    /** OTLP/HTTP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` is appended). */
    otlp_endpoint: z.string().max(2048).optional(),
    service_name: z.string().min(1).max(128).default("opensentience-core"),
    /** Recent spans kept in memory for the UI (oldest traces dropped first). */
    max_spans: z.number().int().min(100).max(1_000_000).default(20_000),
    /**
     * When agents get a `traceparent` (and so report their own span): `sampled` — only for traces that are exported
     * or whose caller sent a sampled `traceparent`; `always` — every call, so the local timeline shows the agent's span
     * too. The exchange costs the agent ~5 µs and the daemon ~4 % of a call's CPU, so it is paid only where it is used.
     */
    propagate: z.enum(["sampled", "always"]).default("sampled"),
  })
  .strict();

export type TracingConfig = z.infer<typeof tracingConfigSchema>;

export interface TracingSettings {
  enabled: boolean;
  /** Full URL spans are POSTed to (…/v1/traces), or undefined: no export. */
  tracesUrl: string | undefined;
  serviceName: string;
  maxSpans: number;
  /** Config `tracing.propagate`: "always" sends every call's `traceparent` to its agent, "sampled" only a sampled trace's. */
  propagate: "sampled" | "always";
}

/** Every trace is sampled (every call's agent gets a `traceparent`): spans are exported, or config says always. */
export function samplesEveryCall(s: Pick<TracingSettings, "propagate" | "tracesUrl">): boolean {
  return s.propagate === "always" || s.tracesUrl !== undefined;
}

function httpUrl(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new AppError("invalid_config", `${what}: not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new AppError("invalid_config", `${what}: must be an http:// or https:// URL`);
  if (u.username || u.password) throw new AppError("invalid_config", `${what}: must not carry credentials (use OTEL_EXPORTER_OTLP_HEADERS)`);
  return u.href;
}

/**
 * Precedence: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), then
 * OTEL_EXPORTER_OTLP_ENDPOINT, then config `tracing.otlp_endpoint` (both get
 * `/v1/traces`). OTEL_SDK_DISABLED=true turns export off; OTEL_SERVICE_NAME
 * overrides the service name.
 */
export function tracingSettings(file: TracingConfig | undefined, env: Record<string, string | undefined>): TracingSettings {
  const cfg = file ?? tracingConfigSchema.parse({});
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || cfg.otlp_endpoint?.trim();
  const what = signal ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ? "OTEL_EXPORTER_OTLP_ENDPOINT" : "tracing.otlp_endpoint";
  let tracesUrl = signal ? httpUrl(signal, what) : base ? httpUrl(base, what).replace(/\/?$/, "/v1/traces") : undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") tracesUrl = undefined;
  return {
    enabled: cfg.enabled,
    tracesUrl: cfg.enabled ? tracesUrl : undefined,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || cfg.service_name,
    maxSpans: cfg.max_spans,
    propagate: cfg.propagate,
  };
}
