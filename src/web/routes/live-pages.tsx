/**
 * The chat and logs pages (data for the first render; the rest is live, see
 * assets/chat.js, assets/logs.js and src/web/sse.ts).
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { type HttpDeps, sessionOf } from "../../api/context.ts";
import { chatTargets } from "../../core/chat/chat-targets.ts";
import { agentIdParamSchema, queryObject } from "../../api/schemas.ts";
import { AppError } from "../../core/errors.ts";
import { redactText } from "../../core/redact.ts";
import { ChatPage } from "../pages/chat.tsx";
import { type LogAgent, LogsPage } from "../pages/logs.tsx";
import { htmlResponse } from "../render.ts";

const chatQuery = queryObject({ session: z.string().uuid().optional(), agent: z.string().max(200).optional() });

function csrfOf(request: Request): string {
  const s = sessionOf(request);
  if (!s) throw new AppError("unauthorized", "log in first");
  return s.session.csrf;
}

/** Agents whose logs can be shown: installed ones and any the runtime knows. */
function logAgents(deps: HttpDeps): LogAgent[] {
  const names = new Map<string, string>();
  for (const status of ["installed", "local_dev", "install_failed"] as const) {
    for (const a of deps.services.search.search({ status, limit: 1000 }).agents) if (a.id) names.set(a.id, a.name || a.id);
  }
  for (const s of deps.runtime.statuses()) if (!names.has(s.agentId)) names.set(s.agentId, s.agentId);
  return [...names]
    .map(([agentId, name]) => ({ agentId, name, state: deps.runtime.status(agentId).state }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const livePageRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "web.live-pages" })
    .get(
      "/chat",
      ({ query, request }) => {
        const sessions = deps.chat.list();
        const activeId = query.session && sessions.some((s) => s.id === query.session) ? query.session : (sessions[0]?.id ?? null);
        const messages = activeId ? deps.chat.messages(activeId).map((m) => ({ ...m, text: redactText(m.text) })) : [];
        return htmlResponse(
          <ChatPage csrf={csrfOf(request)} sessions={sessions} activeId={activeId} messages={messages} agents={chatTargets(deps)} tools={deps.runtime.tools()} preferAgent={query.agent ?? null} />,
        );
      },
      { query: chatQuery },
    )
    .get("/logs", ({ request }) => htmlResponse(<LogsPage csrf={csrfOf(request)} agents={logAgents(deps)} selected={null} />))
    .get(
      "/agents/:id/logs",
      ({ params, request }) => {
        const agents = logAgents(deps);
        if (!agents.some((a) => a.agentId === params.id)) throw new AppError("not_found", `no logs for '${params.id}': it is not installed and has not run`);
        return htmlResponse(<LogsPage csrf={csrfOf(request)} agents={agents} selected={params.id} />);
      },
      { params: agentIdParamSchema },
    );
