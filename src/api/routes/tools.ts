/**
 * Tools over HTTP. `POST /tools/call` routes one call through the router;
 * with `stream: true` the response is NDJSON (`progress` lines, then one
 * `result` or `error` line). A client that disconnects cancels its call.
 */
import { Elysia } from "elysia";
import { domainCodeOf, fromWireError } from "../../core/errors.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { ndjsonStream } from "../ndjson.ts";
import { toolCallBodySchema, toolsQuerySchema } from "../schemas.ts";
import type { ToolStreamLine } from "../../contract/runtime.ts";



export const toolsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.tools", prefix: "/tools" })
    .get("/", ({ query }) => ({ tools: deps.runtime.tools(query.agent) }), { query: toolsQuerySchema })
    .post(
      "/call",
      async ({ body, request }) => {
        const actor = actorOf(request);
        const kind = actor === "ui" ? "ui" : actor;
        const ac = new AbortController();
        const onGone = () => ac.abort();
        request.signal.addEventListener("abort", onGone, { once: true });
        const base = {
          tool: body.tool,
          arguments: body.arguments,
          caller: { kind, id: actor } as const,
          signal: ac.signal,
          ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}),
          ...(body.correlation_id ? { correlationId: body.correlation_id } : {}),
        };
        if (!body.stream) {
          const o = await deps.runtime.call(base);
          request.signal.removeEventListener("abort", onGone);
          if (!o.ok) throw fromWireError(o.error);
          return { output: o.output, duration_ms: o.durationMs, request_id: o.requestId };
        }
        return ndjsonStream<ToolStreamLine>(ac.signal, (push, end) => {
          void deps.runtime
            .call({ ...base, onProgress: (seq, chunk) => push({ type: "progress", seq, chunk }) })
            .then((o) => {
              push(
                o.ok
                  ? { type: "result", output: o.output, duration_ms: o.durationMs, request_id: o.requestId }
                  : { type: "error", error: { code: domainCodeOf(o.error.code), message: o.error.message }, duration_ms: o.durationMs, request_id: o.requestId },
              );
              end();
            });
          return () => request.signal.removeEventListener("abort", onGone);
        });
      },
      { body: toolCallBodySchema },
    );
