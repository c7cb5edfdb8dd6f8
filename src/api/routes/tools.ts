/**
 * Tools over HTTP. `POST /tools/call` routes one call through the router;
 * with `stream: true` the response is NDJSON (`progress` lines, then one
 * `result` or `error` line). A client that disconnects cancels its call.
 * With `mcp` the call is an MCP client's through `opensentience mcp`: audited
 * as `mcp`, and limited to the named client token's scope.
 * `GET /tools/events` streams a line whenever the set of tools changes.
 */
import { Elysia } from "elysia";
import { domainCodeOf, fromWireError } from "../../core/errors.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { ndjsonStream } from "../ndjson.ts";
import { toolCallBodySchema, toolsQuerySchema } from "../schemas.ts";
import type { ToolStreamLine } from "../../contract/runtime.ts";
import type { ToolEvent } from "../../contract/mcp.ts";
import { CallCancel } from "../../core/runtime/call-limits.ts";
import type { CallRequest, Caller } from "../../core/runtime/router.ts";
import type { toolCallResultSchema } from "../../contract/runtime.ts";
import type { z } from "zod";

export type ToolCallBody = z.output<typeof toolCallBodySchema>;
type ToolCallResult = z.output<typeof toolCallResultSchema>;

/** Keeps the stream (and Bun's idle timeout) alive while nothing changes. */
const TOOL_EVENTS_PING_MS = 20_000;

export const toolsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.tools", prefix: "/tools" })
    .get("/", ({ query }) => ({ tools: deps.runtime.tools(query.agent), rejected: deps.runtime.rejectedTools(query.agent) }), { query: toolsQuerySchema })
    .get("/events", ({ request }) =>
      ndjsonStream<ToolEvent>(request.signal, (push) => {
        const off = deps.services.events.on((e) => {
          if (e.type === "tools.changed") push({ type: "tools.changed", agentId: e.agentId });
        });
        const ping = setInterval(() => push({ type: "ping" }), TOOL_EVENTS_PING_MS);
        push({ type: "ready" });
        return () => {
          off();
          clearInterval(ping);
        };
      }),
    )
    .post(
      "/call",
      async ({ body, request }) => {
        const base = toolCallRequest(deps, request, body);
        if (!body.stream) return callToolJson(deps, request, base);
        return ndjsonStream<ToolStreamLine>(base.signal, (push, end) => {
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
          return () => request.signal.removeEventListener("abort", base.onGone);
        });
      },
      { body: toolCallBodySchema },
    );

/**
 * The router request for one `POST /tools/call` body: the caller (its audit
 * actor, or the MCP client it relays), a client token's scope, and a signal
 * that a client disconnecting aborts. Shared with the fast path
 * (src/api/tool-call-fast-path.ts), so both routes make the same call.
 */
export function toolCallRequest(deps: HttpDeps, request: Request, body: ToolCallBody): CallRequest & { signal: CallCancel; onGone: () => void } {
  const actor = actorOf(request);
  const mcp = body.mcp;
  const caller: Caller = mcp ? { kind: "mcp", id: mcp.token_name ?? "stdio", ...(mcp.client ? { client: mcp.client } : {}) } : { kind: actor, id: actor };
  const scope = mcp?.token_name ? deps.services.clientTokens.get(mcp.token_name).tools : undefined;
  if (mcp?.token_name) deps.services.clientTokens.noteUse(mcp.token_name, mcp.client ? `${mcp.client.name}/${mcp.client.version}` : null);
  const gone = new CallCancel();
  const onGone = () => gone.abort();
  request.signal.addEventListener("abort", onGone, { once: true });
  return {
    tool: body.tool,
    arguments: body.arguments,
    caller,
    ...(scope ? { scope } : {}),
    signal: gone,
    onGone,
    ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}),
    ...(body.correlation_id ? { correlationId: body.correlation_id } : {}),
    // The client's W3C trace context (docs/tracing.md): the call's trace nests under its span; a malformed one is ignored.
    ...(request.headers.has("traceparent") ? { traceparent: request.headers.get("traceparent")! } : {}),
  };
}

/** A non-streamed call: the result body, or the call's error thrown as an AppError. */
export async function callToolJson(deps: HttpDeps, request: Request, base: CallRequest & { onGone: () => void }): Promise<ToolCallResult> {
  const { onGone, ...req } = base;
  const o = await deps.runtime.call(req);
  request.signal.removeEventListener("abort", onGone);
  if (!o.ok) throw fromWireError(o.error);
  return { output: o.output, duration_ms: o.durationMs, request_id: o.requestId };
}
