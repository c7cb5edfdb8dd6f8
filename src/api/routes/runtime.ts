/**
 * Agent runtime over HTTP: run/stop/restart, live status, logs (tail or an
 * NDJSON follow stream). Handlers call the Runtime service only.
 */
import { Elysia } from "elysia";
import type { LogLine } from "../../core/runtime/agent-log.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { agentIdParamSchema, logsQuerySchema, runBodySchema } from "../schemas.ts";
import { ndjsonStream } from "../ndjson.ts";


export const runtimeRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.runtime" })
    .get("/runtime", () => ({ agents: deps.runtime.statuses() }))
    .get("/agents/:id/status", ({ params }) => deps.runtime.status(params.id), { params: agentIdParamSchema })
    .get("/agents/:id/sandbox", ({ params }) => deps.runtime.sandboxView(params.id), { params: agentIdParamSchema })
    .post("/agents/:id/run", ({ params, body, request }) => deps.runtime.run(params.id, actorOf(request), { autostart: body?.autostart ?? true }), {
      params: agentIdParamSchema,
      body: runBodySchema,
    })
    .post("/agents/:id/stop", ({ params, request }) => deps.runtime.stopAgent(params.id, actorOf(request)), { params: agentIdParamSchema })
    .post("/agents/:id/restart", ({ params, request }) => deps.runtime.restart(params.id, actorOf(request)), { params: agentIdParamSchema })
    .get(
      "/agents/:id/logs",
      ({ params, query, request }) => {
        const tail = deps.runtime.logs(params.id, query.tail ?? 200);
        if (query.follow !== "1" && query.follow !== "true") return { lines: tail };
        return ndjsonStream<LogLine>(request.signal, (push) => {
          for (const l of tail) push(l);
          return deps.runtime.followLogs(params.id, push);
        });
      },
      { params: agentIdParamSchema, query: logsQuerySchema },
    );
