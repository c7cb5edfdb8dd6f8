/**
 * The real Router in front of an in-process echo agent double, for the benches
 * that measure the router itself (audit batching, metrics, tracing): the
 * agent answers every `tool.call` with its arguments — at once, or on the next
 * event-loop turn as a socket's data callback would — and, when the call
 * carried a `traceparent`, reports an `agent_span` as the Elixir SDK does.
 * A double because a real agent's socket round trip would hide the router's
 * own cost; bench/tool-calls.ts measures the real thing.
 */
import type { AuditLog } from "../src/core/audit/audit-log.ts";
import type { EventBus } from "../src/core/events.ts";
import type { Metrics } from "../src/core/metrics/metrics.ts";
import type { AgentConnection } from "../src/core/runtime/agent-connection.ts";
import { CallLimiter } from "../src/core/runtime/call-limits.ts";
import { type CallOutcome, Router } from "../src/core/runtime/router.ts";
import type { Tracer } from "../src/core/tracing/tracer.ts";

export interface EchoRouterOptions {
  agentId: string;
  audit: AuditLog;
  events: EventBus;
  metrics?: Metrics;
  tracer?: Tracer;
  /** `now`: the result frame is handled inside send(); `next-turn`: on setImmediate. */
  answer: "now" | "next-turn";
}

export interface EchoRouter {
  router: Router;
  /** One call of the agent's `echo` tool. */
  call(): Promise<CallOutcome>;
}

type Frame = { type: string; request_id: string; payload: { arguments?: unknown; traceparent?: string } };

export function echoRouter(o: EchoRouterOptions): EchoRouter {
  const reply = (frame: Frame) => {
    const us = (performance.timeOrigin + performance.now()) * 1000;
    const payload = { output: frame.payload.arguments, ...(frame.payload.traceparent ? { agent_span: { span_id: "00f067aa0ba902b7", start_us: us - 5, end_us: us } } : {}) };
    router.handleAgentFrame(conn as unknown as AgentConnection, { v: 1, type: "tool.result", id: "r", request_id: frame.request_id, payload } as never);
  };
  const conn = {
    agentId: o.agentId,
    isClosed: () => false,
    send(frame: Frame) {
      if (frame.type !== "tool.call") return true;
      if (o.answer === "now") reply(frame);
      else setImmediate(() => reply(frame));
      return true;
    },
  };
  const link = { conn: conn as unknown as AgentConnection, healthy: true, limiter: new CallLimiter({ maxConcurrency: 64, callsPerMinute: 1_000_000_000, maxQueued: 256 }), defaultTimeoutMs: 30_000, capabilities: [] };
  const router: Router = new Router({
    audit: o.audit,
    events: o.events,
    link: () => link,
    policy: () => ({ enabled: true, approved: new Set<string>() }),
    requestedPermissions: () => new Set<string>(),
    maxTimeoutMs: 600_000,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.tracer ? { tracer: o.tracer } : {}),
  });
  router.register(o.agentId, {
    v: 1,
    type: "tools.register",
    id: "reg",
    payload: { tools: [{ name: "echo", description: "echo", input_schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] }, permissions: [], streaming: false, cancellable: false }] },
  } as never);
  const tool = `${o.agentId}/echo`;
  return { router, call: () => router.call({ tool, arguments: { text: "x" }, caller: { kind: "api", id: "bench" } }) };
}
