/**
 * Long operations over HTTP: install, update and registry sync.
 *
 * Why not answer when the work is done: a build can take minutes (the limit is
 * `build_timeout_ms`, 10 min by default) and the server closes a connection
 * that sends nothing for `idleTimeout` seconds (60 here, 255 at most in Bun).
 * So the POST answers `202 Accepted` with an operation as soon as the service
 * has taken the work, with `Location: /api/v1/operations/<id>`, and:
 *   - progress streams meanwhile as SSE (`GET /events?topics=<progressTopic>`);
 *   - `GET /api/v1/operations/<id>?wait=30` answers once the operation has
 *     finished or after `wait` seconds (at most 50, below the idle timeout),
 *     whichever comes first: a client loops on it until `status` is not
 *     `running` and then reads `result` or `error` (same `{code, message}` as
 *     every API error, plus the HTTP status it would have had).
 * Errors the service raises before it starts working (unknown agent, already
 * installed, sync already running, bad ref …) are answered directly with their
 * usual status, never as a failed operation.
 *
 * Operations live in memory (the last 200; a daemon restart forgets them, the
 * audit log keeps the record under the operation's `correlationId`).
 */
import { randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import { z } from "zod";
import type { Services } from "../../core/services.ts";
import { AppError, toAppError } from "../../core/errors.ts";
import { redactText } from "../../core/redact.ts";
import type { Actor } from "../../db/schema.ts";
import type { HttpDeps } from "../context.ts";
import { HTTP_STATUS, publicMessage } from "../errors.ts";
import { queryObject } from "../schemas.ts";

export type OperationKind = "agent.install" | "agent.update" | "registry.sync" | "registry.sync_all";

export interface OperationError {
  code: string;
  message: string;
  /** The status a synchronous call would have answered with. */
  status: number;
  /** Last lines of build output for build failures (redacted). */
  tail?: string[];
}

export interface Operation {
  id: string;
  kind: OperationKind;
  /** Agent id or registry name (null for "sync all"). */
  target: string | null;
  actor: Actor;
  status: "running" | "succeeded" | "failed";
  /** SSE topic with this operation's progress events (`GET /events?topics=…`). */
  progressTopic: string | null;
  /** Audit events of this operation carry it (`GET /api/v1/audit?correlation=…`). */
  correlationId: string;
  startedAt: string;
  finishedAt: string | null;
  result: unknown;
  error: OperationError | null;
}

export const OPERATION_WAIT_MAX_S = 50;
const KEEP = 200;
/** Resolved by `Promise.race` only when the service has not already failed synchronously. */
const PENDING = Symbol("pending");

function toOperationError(e: unknown): OperationError {
  const err = toAppError(e);
  const out: OperationError = { code: err.code, message: publicMessage(err), status: HTTP_STATUS[err.code] };
  const tail = err.details?.tail;
  if (Array.isArray(tail)) out.tail = tail.slice(-40).map((l) => redactText(String(l)).slice(0, 2000));
  return out;
}

export class Operations {
  private readonly ops = new Map<string, { op: Operation; done: Promise<void> }>();

  constructor(private readonly clock: () => string) {}

  /**
   * Starts `run` and returns its operation once the service has accepted the
   * work. An async service function runs synchronously up to its first await:
   * a validation error thrown there leaves its promise already rejected, and
   * racing it against an already resolved promise surfaces that rejection
   * first (promise reactions run in order), so it is thrown here and becomes
   * an ordinary error response.
   */
  async start(
    meta: { kind: OperationKind; target: string | null; actor: Actor; progressTopic: string | null },
    run: (correlationId: string) => Promise<unknown>,
  ): Promise<Operation> {
    const op: Operation = {
      id: randomUUID(),
      ...meta,
      status: "running",
      correlationId: randomUUID(),
      startedAt: this.clock(),
      finishedAt: null,
      result: null,
      error: null,
    };
    const work = run(op.correlationId);
    const first = await Promise.race([work, Promise.resolve(PENDING)]);
    const done =
      first === PENDING
        ? work.then(
            (result) => this.finish(op, { result }),
            (e: unknown) => this.finish(op, { error: toOperationError(e) }),
          )
        : Promise.resolve(this.finish(op, { result: first }));
    this.ops.set(op.id, { op, done });
    this.evict();
    return { ...op };
  }

  private finish(op: Operation, end: { result?: unknown; error?: OperationError }): void {
    op.status = end.error ? "failed" : "succeeded";
    op.result = end.result ?? null;
    op.error = end.error ?? null;
    op.finishedAt = this.clock();
  }

  private evict(): void {
    if (this.ops.size <= KEEP) return;
    for (const [id, { op }] of this.ops) {
      if (this.ops.size <= KEEP) break;
      if (op.status !== "running") this.ops.delete(id);
    }
  }

  get(id: string): Operation {
    const e = this.ops.get(id);
    if (!e) throw new AppError("not_found", `no operation '${id.slice(0, 80)}' (operations are kept in memory: the daemon may have restarted; see the audit log)`);
    return { ...e.op };
  }

  /** The operation once finished, or as it is after `waitMs` (or when `signal` aborts). */
  async wait(id: string, waitMs: number, signal?: AbortSignal): Promise<Operation> {
    const e = this.ops.get(id);
    if (!e) return this.get(id);
    if (e.op.status === "running" && waitMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      await Promise.race([e.done, timeout]);
      clearTimeout(timer);
    }
    return { ...e.op };
  }

  /** Newest first. */
  list(): Operation[] {
    return [...this.ops.values()].map((e) => ({ ...e.op })).reverse();
  }
}

/** One store per daemon (keyed by its services, so tests with several apps stay apart). */
const stores = new WeakMap<Services, Operations>();

export function operationsOf(deps: HttpDeps): Operations {
  let s = stores.get(deps.services);
  if (!s) {
    s = new Operations(() => deps.services.clock.iso());
    stores.set(deps.services, s);
  }
  return s;
}

/** The 202 answer for a started operation. */
export function accepted(op: Operation, set: { status?: number | string; headers: Record<string, string | number> }): Operation {
  set.status = 202;
  set.headers.location = `/api/v1/operations/${op.id}`;
  return op;
}

const waitQuery = queryObject({ wait: z.coerce.number().min(0).max(OPERATION_WAIT_MAX_S).optional() });
const opParams = z.object({ id: z.string().min(1).max(64) });

export const operationsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.operations", prefix: "/operations" })
    .get("/", () => ({ operations: operationsOf(deps).list() }))
    .get("/:id", ({ params, query, request }) => operationsOf(deps).wait(params.id, Math.round((query.wait ?? 0) * 1000), request.signal), {
      params: opParams,
      query: waitQuery,
    });
