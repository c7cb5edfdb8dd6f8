/** Long operations (install, update, registry sync): 202 + an operation polled until it ends. */
import { z } from "zod";
import { ACTORS } from "../db/schema.ts";

export const OPERATION_KINDS = ["agent.install", "agent.update", "agent.test", "registry.sync", "registry.sync_all"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const operationErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** The status a synchronous call would have answered with. */
  status: z.number(),
  /** Last lines of build output for build failures (redacted). */
  tail: z.array(z.string()).optional(),
});
export type OperationError = z.infer<typeof operationErrorSchema>;

export const operationSchema = z.object({
  id: z.string(),
  kind: z.enum(OPERATION_KINDS),
  /** Agent id or registry name (null for "sync all"). */
  target: z.string().nullable(),
  actor: z.enum(ACTORS),
  status: z.enum(["running", "succeeded", "failed"]),
  /** SSE topic with this operation's progress events (`GET /events?topics=…`). */
  progressTopic: z.string().nullable(),
  /** Audit events of this operation carry it (`GET /api/v1/audit?correlation=…`). */
  correlationId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The service's answer; its schema depends on `kind` (see endpoints.ts). */
  result: z.unknown(),
  error: operationErrorSchema.nullable(),
});
export type Operation = z.infer<typeof operationSchema>;
export const operationListSchema = z.object({ operations: z.array(operationSchema) });

/** Longest `?wait=` a client may ask for: below the server's idle timeout (60 s). */
export const OPERATION_WAIT_MAX_S = 50;

/**
 * `GET /operations/:id/events` (NDJSON): the operation's progress so far, then
 * live, a `ping` every 15 s while nothing happens (keeps the connection under
 * the server's idle timeout), and one `end` line with the finished operation.
 */
export const operationEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), step: z.string(), message: z.string() }),
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("end"), operation: operationSchema }),
]);
export type OperationEvent = z.infer<typeof operationEventSchema>;
