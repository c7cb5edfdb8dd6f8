/**
 * State-changing browser actions: POST forms with the session's CSRF token
 * (checked by the guard together with Origin), audited with actor `ui`, and
 * answered with 303 so a reload does not repeat them. Each calls ONE service
 * function, the same as the CLI command and the JSON API route of that name.
 * A refused action re-renders its page with the error (and the status the API
 * would answer), keeping what the user typed.
 *
 * Install, update and registry sync are not here: they can take minutes, so
 * the page runs them through the JSON API with live progress (assets/install.js).
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { actorOf, type HttpDeps, sessionOf } from "../../api/context.ts";
import { HTTP_STATUS, publicMessage } from "../../api/errors.ts";
import { agentIdParamSchema, clientTokenNameParamSchema, registryAddShape, registryNameParamSchema } from "../../api/schemas.ts";
import { type AppError, toAppError } from "../../core/errors.ts";
import type { AgentNoticeKey } from "../components/agent-actions.tsx";
import { AgentDetailPage } from "../pages/agent-detail.tsx";
import { agentTrust } from "../../core/approvals/agent-trust.ts";
import { RegistriesPage, type RegistryForm } from "../pages/registries.tsx";
import { agentHref, htmlResponse } from "../render.ts";

const csrfField = { _csrf: z.string().max(256).optional() };
const rescanBody = z.object({ ...csrfField, agent: z.string().min(1).max(4200).optional() }).strict().optional();
const emptyBody = z.object(csrfField).strict().optional();
/** Checkboxes named `approve`: absent, one value, or several. */
const enableBody = z
  .object({ ...csrfField, approve: z.union([z.string().max(512), z.array(z.string().max(512)).max(256)]).optional(), override_yank: z.literal("1").optional(), surface_hash: z.string().regex(/^[0-9a-f]{64}$/).optional() })
  .strict()
  .optional();
const revokeBody = z.object({ ...csrfField, permission: z.string().min(1).max(512) }).strict();
const uninstallBody = z.object({ ...csrfField, confirm: z.literal("1").optional() }).strict().optional();
const registryAddBody = z
  .object({ ...csrfField, name: registryAddShape.name, git_url: registryAddShape.git_url, ref: z.string().max(256).optional(), allowed_signers: z.string().max(64 * 1024).optional() })
  .strict();

const seeOther = (location: string) => new Response(null, { status: 303, headers: { location } });
const csrfOf = (request: Request) => sessionOf(request)?.session.csrf ?? "";

export const actionRoutes = (deps: HttpDeps) => {
  const s = deps.services;

  /** Runs an agent action; on success back to the agent page with a fixed notice, on failure the page with the error. */
  async function agentAction(request: Request, id: string, done: AgentNoticeKey, run: () => unknown): Promise<Response> {
    try {
      await run();
    } catch (e) {
      const err = toAppError(e);
      if (err.code === "internal") throw err;
      let agent;
      try {
        agent = s.catalog.get(id);
      } catch {
        throw err;
      }
      const runtime = agent.id ? deps.runtime.status(agent.id) : null;
      // With the trust card: after a refused re-approval the operator sees the newer tool change right there.
      const trust = agent.id && agent.install ? agentTrust(s, agent.id) : null;
      return htmlResponse(AgentDetailPage({ agent, csrf: csrfOf(request), notice: publicMessage(err), noticeTone: "danger", runtime, trust }), HTTP_STATUS[err.code]);
    }
    let stillListed = true;
    try {
      s.catalog.get(id);
    } catch {
      stillListed = false;
    }
    // Built from the id, never taken from the request as a URL: no open redirect.
    return seeOther(stillListed ? `${agentHref(id)}?done=${done}` : "/agents");
  }

  function registriesPage(request: Request, err: AppError, form: RegistryForm): Promise<Response> {
    const page = RegistriesPage({ registries: s.registries.list(), csrf: csrfOf(request), notice: { tone: "danger", message: publicMessage(err) }, form });
    return htmlResponse(page, HTTP_STATUS[err.code]);
  }

  return new Elysia({ name: "web.actions", prefix: "/actions" })
    .post(
      "/rescan",
      ({ body, request }) => {
        s.discovery.run({ actor: actorOf(request) });
        s.events.emit({ type: "catalog.changed", reason: "discovery" });
        const back = body?.agent ? `${agentHref(body.agent)}?rescanned=1` : "/agents?rescanned=1";
        return seeOther(back);
      },
      { body: rescanBody },
    )
    .post(
      "/agents/:id/enable",
      ({ params, body, request }) => {
        const approve = body?.approve === undefined ? [] : Array.isArray(body.approve) ? body.approve : [body.approve];
        return agentAction(request, params.id, "enabled", () => s.approvals.enable(params.id, { actor: actorOf(request), approve, overrideYank: body?.override_yank === "1", ...(body?.surface_hash ? { expectSurfaceHash: body.surface_hash } : {}) }));
      },
      { params: agentIdParamSchema, body: enableBody },
    )
    .post("/agents/:id/disable", ({ params, request }) => agentAction(request, params.id, "disabled", () => s.approvals.disable(params.id, { actor: actorOf(request) })), {
      params: agentIdParamSchema,
      body: emptyBody,
    })
    .post(
      "/agents/:id/revoke",
      ({ params, body, request }) => agentAction(request, params.id, "revoked", () => s.approvals.revoke(params.id, body.permission, { actor: actorOf(request) })),
      { params: agentIdParamSchema, body: revokeBody },
    )
    .post(
      "/agents/:id/uninstall",
      ({ params, body, request }) =>
        agentAction(request, params.id, "uninstalled", () => s.installer.uninstall(params.id, { actor: actorOf(request), confirm: body?.confirm === "1" })),
      { params: agentIdParamSchema, body: uninstallBody },
    )
    .post(
      "/registries",
      ({ body, request }) => {
        const form = { name: body.name, git_url: body.git_url, ref: body.ref, allowed_signers: body.allowed_signers };
        // A non-empty allowed-signers field makes the registry a signed one.
        const signers = body.allowed_signers?.trim() ? body.allowed_signers : undefined;
        try {
          const info = s.registries.add(
            { name: body.name.trim(), gitUrl: body.git_url.trim(), ref: body.ref?.trim() || undefined, requireSigned: signers !== undefined, allowedSigners: signers },
            { actor: actorOf(request) },
          );
          return seeOther(`/registries?added=${encodeURIComponent(info.name)}`);
        } catch (e) {
          const err = toAppError(e);
          if (err.code === "internal") throw err;
          return registriesPage(request, err, form);
        }
      },
      { body: registryAddBody },
    )
    .post(
      "/client-tokens/:name/revoke",
      ({ params, request }) => {
        s.clientTokens.revoke(params.name, { actor: actorOf(request) });
        return seeOther(`/clients?revoked=${encodeURIComponent(params.name)}`);
      },
      { params: clientTokenNameParamSchema, body: emptyBody },
    )
    .post(
      "/registries/:name/remove",
      ({ params, request }) => {
        try {
          s.registries.remove(params.name, { actor: actorOf(request) });
          return seeOther("/registries?removed=1");
        } catch (e) {
          const err = toAppError(e);
          if (err.code === "internal") throw err;
          return registriesPage(request, err, {});
        }
      },
      { params: registryNameParamSchema, body: emptyBody },
    );
};
