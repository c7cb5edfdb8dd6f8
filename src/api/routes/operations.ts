/** Long operations (install, update, registry sync) over HTTP: list, wait for one, follow one (NDJSON). See ../operations-store.ts. */
import { Elysia } from "elysia";
import type { OperationEvent } from "../../contract/operations.ts";
import type { HttpDeps } from "../context.ts";
import { ndjsonStream } from "../ndjson.ts";
import { operationsOf } from "../operations-store.ts";
import { operationIdParamSchema, operationWaitQuerySchema } from "../schemas.ts";

/** Keeps an idle follow stream under the server's idle timeout (60 s) while a build is quiet. */
const PING_MS = 15_000;

export const operationsRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.operations", prefix: "/operations" })
    .get("/", () => ({ operations: operationsOf(deps).list() }))
    .get("/:id", ({ params, query, request }) => operationsOf(deps).wait(params.id, Math.round((query.wait ?? 0) * 1000), request.signal), {
      params: operationIdParamSchema,
      query: operationWaitQuerySchema,
    })
    .get(
      "/:id/events",
      ({ params, request }) => {
        const ops = operationsOf(deps);
        ops.get(params.id); // 404 before the stream starts
        return ndjsonStream<OperationEvent>(request.signal, (push, end) => {
          const ping = setInterval(() => push({ type: "ping" }), PING_MS);
          const stop = ops.follow(params.id, push, end);
          return () => {
            clearInterval(ping);
            stop();
          };
        });
      },
      { params: operationIdParamSchema },
    );
