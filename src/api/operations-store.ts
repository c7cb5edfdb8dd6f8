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
 * `GET /api/v1/operations/<id>/events` streams the same progress as NDJSON
 * (from the start, however late the client connects) and ends with the
 * finished operation: what the CLI follows.
 *
 * Operations live in memory (the last 200; a daemon restart forgets them, the
 * audit log keeps the record under the operation's `correlationId`).
 */
import { randomUUID } from "node:crypto";
import type { Operation, OperationError, OperationEvent, OperationKind } from "../contract/operations.ts";
import { toAppError } from "../core/errors.ts";
import type { EventBus } from "../core/events.ts";
import { AppError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import type { Services } from "../core/services.ts";
import type { Actor } from "../db/schema.ts";
import type { HttpDeps } from "./context.ts";
import { HTTP_STATUS, publicMessage } from "./errors.ts";


const KEEP = 200;
/** Progress lines kept per operation for a follower that connects late (older ones are dropped). */
const KEEP_PROGRESS = 500;

interface Entry {
  op: Operation;
  done: Promise<void>;
  progress: Array<Extract<OperationEvent, { type: "progress" }>>;
  followers: Set<(e: OperationEvent) => void>;
}
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
  private readonly ops = new Map<string, Entry>();

  constructor(
    private readonly clock: () => string,
    private readonly events?: EventBus,
  ) {}

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
    const entry: Entry = { op, done: Promise.resolve(), progress: [], followers: new Set() };
    // Subscribed before the work starts, so a follower that connects later still sees every step.
    const topic = meta.progressTopic?.replace(/^progress:/, "");
    const unsubscribe =
      topic && this.events
        ? this.events.on((e) => {
            if (e.type !== "progress" || e.topic !== topic) return;
            const line = { type: "progress" as const, step: e.step, message: redactText(e.message) };
            entry.progress.push(line);
            if (entry.progress.length > KEEP_PROGRESS) entry.progress.shift();
            for (const f of entry.followers) f(line);
          })
        : () => {};
    let work: Promise<unknown>;
    try {
      work = run(op.correlationId);
    } catch (e) {
      unsubscribe();
      throw e;
    }
    let first: unknown;
    try {
      first = await Promise.race([work, Promise.resolve(PENDING)]);
    } catch (e) {
      unsubscribe();
      throw e;
    }
    entry.done =
      first === PENDING
        ? work.then(
            (result) => this.finish(entry, unsubscribe, { result }),
            (e: unknown) => this.finish(entry, unsubscribe, { error: toOperationError(e) }),
          )
        : Promise.resolve(this.finish(entry, unsubscribe, { result: first }));
    this.ops.set(op.id, entry);
    this.evict();
    return { ...op };
  }

  private finish(entry: Entry, unsubscribe: () => void, end: { result?: unknown; error?: OperationError }): void {
    unsubscribe();
    const op = entry.op;
    op.status = end.error ? "failed" : "succeeded";
    op.result = end.result ?? null;
    op.error = end.error ?? null;
    op.finishedAt = this.clock();
    for (const f of entry.followers) f({ type: "end", operation: { ...op } });
    entry.followers.clear();
  }

  /**
   * The operation's progress so far, then live, then its end, to `push`;
   * returns the function that stops following. Ends at once for a finished one.
   */
  follow(id: string, push: (e: OperationEvent) => void, end: () => void): () => void {
    const e = this.ops.get(id);
    if (!e) throw this.missing(id);
    for (const p of e.progress) push(p);
    if (e.op.status !== "running") {
      push({ type: "end", operation: { ...e.op } });
      end();
      return () => {};
    }
    const f = (ev: OperationEvent) => {
      push(ev);
      if (ev.type === "end") end();
    };
    e.followers.add(f);
    return () => e.followers.delete(f);
  }

  private evict(): void {
    if (this.ops.size <= KEEP) return;
    for (const [id, { op }] of this.ops) {
      if (this.ops.size <= KEEP) break;
      if (op.status !== "running") this.ops.delete(id);
    }
  }

  private missing(id: string): AppError {
    return new AppError("not_found", `no operation '${id.slice(0, 80)}' (operations are kept in memory: the daemon may have restarted; see the audit log)`);
  }

  get(id: string): Operation {
    const e = this.ops.get(id);
    if (!e) throw this.missing(id);
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
    s = new Operations(() => deps.services.clock.iso(), deps.services.events);
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

