import type { Command } from "./command.ts";
import { samplesEveryCall } from "../core/tracing/settings.ts";
import { keyValues, printJson } from "./output.ts";

export const configShow: Command = {
  path: ["config", "show"],
  summary: "Show the effective configuration and where each value came from",
  run(ctx) {
    const c = ctx.config();
    const view = {
      home: c.paths.home,
      config_file: c.paths.config,
      catalog: c.paths.db,
      scan_roots: c.scanRoots,
      registries: c.registries,
      host: c.host,
      port: c.port,
      sandbox: c.sandbox,
      allow_local_sources: c.allowLocalSources,
      limits: c.limits,
      retention: c.retention,
      tracing: { enabled: c.tracing.enabled, otlp_traces_url: c.tracing.tracesUrl ?? null, service_name: c.tracing.serviceName, max_spans: c.tracing.maxSpans, propagate: c.tracing.propagate },
      metrics: c.metrics,
      sources: c.sources,
    };
    if (ctx.json) {
      printJson(ctx.io, view);
      return 0;
    }
    ctx.io.out(
      keyValues([
        ["home", c.paths.home],
        ["config file", c.paths.config],
        ["catalog", c.paths.db],
        ["scan roots", `${c.scanRoots.join(", ")} (${c.sources.scan_roots ?? "default"})`],
        ["listen", `${c.host}:${c.port} (${c.sources.port ?? "default"})`],
        ["sandbox", `${c.sandbox} (${c.sources.sandbox ?? "default"})`],
        ["allow local sources", `${c.allowLocalSources} (${c.sources.allow_local_sources ?? "default"})`],
        ...Object.entries(c.limits).map(([k, v]) => [`limits.${k}`, v] as [string, unknown]),
        ...Object.entries(c.retention).map(([k, v]) => [`retention.${k}`, v === 0 && !k.startsWith("min_") ? "0 (off)" : v] as [string, unknown]),
        ["metrics", c.metrics.enabled ? "on (/metrics, /api/v1/stats, per-minute rollups)" : "off (nothing counted; /metrics answers 404)"],
        ["tracing", c.tracing.enabled ? `on, last ~${c.tracing.maxSpans} spans kept in memory` : "off"],
        ["tracing export", c.tracing.tracesUrl ? `OTLP/HTTP to ${c.tracing.tracesUrl}` : "off (no OTLP endpoint: nothing leaves this machine)"],
        ["agent spans", !c.tracing.enabled ? "off" : samplesEveryCall(c.tracing) ? "every call's agent gets a traceparent and reports its span" : "sampled traces only (a caller's traceparent flagged sampled; tracing.propagate: \"always\" for every call)"],
      ]),
    );
    return 0;
  },
};
