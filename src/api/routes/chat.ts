/** Chat sessions over HTTP; every turn and tool call goes through the router via ChatService. */
import { Elysia } from "elysia";
import { z } from "zod";
import { actorOf, type HttpDeps } from "../context.ts";

const sessionParams = z.object({ id: z.string().uuid() });
const uiActor = (req: Request) => actorOf(req) as "ui" | "api" | "cli";

export const chatRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.chat", prefix: "/chat/sessions" })
    .get("/", () => ({ sessions: deps.chat.list() }))
    .post("/", ({ body, request }) => deps.chat.create({ title: body.title, agentId: body.agent_id ?? null }, uiActor(request)), {
      body: z.object({ title: z.string().max(120).optional(), agent_id: z.string().max(200).nullable().optional() }).strict(),
    })
    .get("/:id", ({ params }) => ({ session: deps.chat.get(params.id), messages: deps.chat.messages(params.id) }), { params: sessionParams })
    .patch(
      "/:id",
      ({ params, body, request }) =>
        deps.chat.update(params.id, { ...(body.title !== undefined ? { title: body.title } : {}), ...(body.agent_id !== undefined ? { agentId: body.agent_id } : {}) }, uiActor(request)),
      { params: sessionParams, body: z.object({ title: z.string().max(120).optional(), agent_id: z.string().max(200).nullable().optional() }).strict() },
    )
    .delete(
      "/:id",
      ({ params, request }) => {
        deps.chat.delete(params.id, uiActor(request));
        return { deleted: true };
      },
      { params: sessionParams },
    )
    .post("/:id/messages", ({ params, body }) => deps.chat.send(params.id, body.text), { params: sessionParams, body: z.object({ text: z.string().max(16_000) }).strict() })
    .post("/:id/tool-calls", ({ params, body }) => deps.chat.callTool(params.id, body.tool, body.arguments ?? {}, body.timeout_ms), {
      params: sessionParams,
      body: z.object({ tool: z.string().min(3).max(200), arguments: z.unknown().optional(), timeout_ms: z.number().int().min(1).max(3_600_000).optional() }).strict(),
    })
    .post("/:id/cancel", ({ params, body }) => ({ canceled: deps.chat.cancel(params.id, body.correlation_id) }), {
      params: sessionParams,
      body: z.object({ correlation_id: z.string().max(128).optional() }).strict(),
    });
