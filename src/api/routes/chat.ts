/**
 * Chat sessions over HTTP; every turn and tool call goes through the router via ChatService.
 *
 * `POST …/messages` and `POST …/tool-calls` wait for the turn/call to end by
 * default (API clients). With `wait: false` (the web UI) they answer `202`
 * once the input is checked and the work has started; the reply streams as
 * `chat` events on `GET /events?topics=chat:<session id>` (src/web/sse.ts).
 * Tool arguments are checked against the tool's input schema here first, so
 * input that fails the schema is refused with `400 invalid_argument` before
 * anything is sent (and nothing is audited for it).
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { messageTextSchema } from "../../core/chat/chat-service.ts";
import { chatTargets } from "../../core/chat/chat-targets.ts";
import { AppError } from "../../core/errors.ts";
import { redactText } from "../../core/redact.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { parseOrThrow } from "../schemas.ts";
import { schemaMismatch } from "../../core/runtime/tool-arguments.ts";

const sessionParams = z.object({ id: z.string().uuid() });
const uiActor = (req: Request) => actorOf(req) as "ui" | "api" | "cli";

/** Refuses arguments that fail the registered tool's input schema (unknown tools are left to the router). */
function checkArguments(deps: HttpDeps, tool: string, args: unknown): void {
  const t = deps.runtime.router.tools.get(tool);
  if (!t) return;
  const problems = deps.runtime.router.tools.validate(t, args);
  if (problems.length) {
    throw new AppError("invalid_argument", schemaMismatch(t.spec.name, t.spec.input_schema, args, problems), { details: { problems } });
  }
}

const started = () => new Response(JSON.stringify({ accepted: true }), { status: 202, headers: { "content-type": "application/json; charset=utf-8" } });

export const chatRoutes = (deps: HttpDeps) => {
  /** Background turns/calls: their outcome is published as chat events; a failure here is only logged. */
  const background = (what: string, p: Promise<unknown>) => void p.catch((e) => deps.log.warn(redactText(`chat ${what}: ${(e as Error).message}`)));
  return new Elysia({ name: "api.chat" })
    .get("/chat/agents", () => ({ agents: chatTargets(deps) }))
    .use(
      new Elysia({ name: "api.chat.sessions", prefix: "/chat/sessions" })
        .get("/", () => ({ sessions: deps.chat.list() }))
        .post("/", ({ body, request }) => deps.chat.create({ title: body.title, agentId: body.agent_id ?? null }, uiActor(request)), {
          body: z.object({ title: z.string().max(120).optional(), agent_id: z.string().max(200).nullable().optional() }).strict(),
        })
        .get(
          "/:id",
          ({ params }) => ({
            session: deps.chat.get(params.id),
            // What the user typed is stored as typed; it is shown (here and on the event stream) redacted.
            messages: deps.chat.messages(params.id).map((m) => ({ ...m, text: redactText(m.text) })),
          }),
          { params: sessionParams },
        )
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
        .post(
          "/:id/messages",
          ({ params, body }) => {
            if (body.wait !== false) return deps.chat.send(params.id, body.text);
            // The checks send() makes before it starts, made here so the caller hears about them.
            const session = deps.chat.get(params.id);
            parseOrThrow(messageTextSchema, body.text);
            if (!session.agentId) throw new AppError("invalid_argument", "pick an agent for this chat first");
            background("turn", deps.chat.send(params.id, body.text));
            return started();
          },
          { params: sessionParams, body: z.object({ text: z.string().max(16_000), wait: z.boolean().optional() }).strict() },
        )
        .post(
          "/:id/tool-calls",
          ({ params, body }) => {
            const args = body.arguments ?? {};
            deps.chat.get(params.id);
            checkArguments(deps, body.tool, args);
            const call = deps.chat.callTool(params.id, body.tool, args, body.timeout_ms);
            if (body.wait !== false) return call;
            background("tool call", call);
            return started();
          },
          {
            params: sessionParams,
            body: z
              .object({ tool: z.string().min(3).max(200), arguments: z.unknown().optional(), timeout_ms: z.number().int().min(1).max(3_600_000).optional(), wait: z.boolean().optional() })
              .strict(),
          },
        )
        .post("/:id/cancel", ({ params, body }) => ({ canceled: deps.chat.cancel(params.id, body.correlation_id) }), {
          params: sessionParams,
          body: z.object({ correlation_id: z.string().max(128).optional() }).strict(),
        }),
    );
};
