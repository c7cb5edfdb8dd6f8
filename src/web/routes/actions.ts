/**
 * State-changing browser actions: POST forms with the session's CSRF token
 * (checked by the guard together with Origin), audited with actor `ui`, and
 * answered with 303 so a reload does not repeat them. Later issues add
 * install / enable / run here (see components/agent-actions.tsx).
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { actorOf, type HttpDeps } from "../../api/context.ts";
import { agentHref } from "../render.ts";

const rescanBody = z.object({ _csrf: z.string().max(256).optional(), agent: z.string().min(1).max(4200).optional() }).strict().optional();

export const actionRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "web.actions", prefix: "/actions" }).post(
    "/rescan",
    ({ body, request }) => {
      deps.services.discovery.run({ actor: actorOf(request) });
      deps.services.events.emit({ type: "catalog.changed", reason: "discovery" });
      // Built from the id, never taken from the request as a URL: no open redirect.
      const back = body?.agent ? `${agentHref(body.agent)}?rescanned=1` : "/agents?rescanned=1";
      return new Response(null, { status: 303, headers: { location: back } });
    },
    { body: rescanBody },
  );
