/**
 * Install, update, enable, disable, revoke and uninstall over HTTP. Each
 * handler calls the same service function as the CLI command of that name
 * (the CLI comes here whenever a daemon runs). Request and answer schemas:
 * src/contract (endpoints.ts).
 *
 *   GET  /api/v1/agents/:id/install-plan   ?ref&registry&local → InstallPlan (catalog read + git ls-remote for headCommit; nothing fetched)
 *   POST /api/v1/agents/:id/install        { ref?, registry?, local?, confirm: true, expect_commit? } → 202 Operation (result: InstallResult)
 *   GET  /api/v1/agents/:id/update-plan    → UpdatePlan (fetches the new commit; builds nothing)
 *   POST /api/v1/agents/:id/update         { confirm: true, expect_commit? } → 202 Operation (result: UpdateResult)
 *   GET  /api/v1/agents/:id/approvals      → ApprovalState
 *   POST /api/v1/agents/:id/enable         { approve: [...] } | { approve_all: true }, override_yank? → EnableResult
 *   POST /api/v1/agents/:id/disable        → ApprovalState & { wasEnabled }
 *   POST /api/v1/agents/:id/revoke         { permission } → ApprovalState & { revoked }
 *   GET  /api/v1/agents/:id/uninstall-plan → UninstallPlan
 *   POST /api/v1/agents/:id/uninstall      { confirm: true } → UninstallResult (the agent is stopped first)
 *
 * Building runs the agent's code, so install and update need `confirm: true`
 * (like the CLI's `--yes`): without it the answer is 428 `confirmation_required`
 * and nothing is fetched. `expect_commit` (the plan's `toCommit`) makes the
 * update refuse with 409 if the source moved after it was reviewed.
 */
import { Elysia } from "elysia";
import { AppError } from "../../core/errors.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { agentIdParamSchema, confirmBodySchema, enableBodySchema, installBodySchema, installPlanQuerySchema, revokeBodySchema, updateBodySchema } from "../schemas.ts";
import { accepted, operationsOf } from "../operations-store.ts";

const notConfirmed = (what: string, planPath: string) =>
  new AppError("confirmation_required", `${what} runs the agent's build code; review GET /api/v1/agents/${planPath} and send {"confirm": true}`);

export const installsRoutes = (deps: HttpDeps) => {
  const s = deps.services;
  return new Elysia({ name: "api.installs", prefix: "/agents" })
    .get(
      "/:id/install-plan",
      ({ params, query }) => s.installer.planInstallWithHead(params.id, { ref: query.ref, registry: query.registry, local: query.local === "1" || query.local === "true" }),
      { params: agentIdParamSchema, query: installPlanQuerySchema },
    )
    .post(
      "/:id/install",
      async ({ params, body, request, set }) => {
        const select = { ref: body.ref, registry: body.registry, local: body.local === true };
        if (body.confirm !== true) {
          s.installer.planInstall(params.id, select); // an unknown agent or a bad ref is 404/400, not 428
          throw notConfirmed(`installing ${params.id}`, `${params.id}/install-plan`);
        }
        const actor = actorOf(request);
        const op = await operationsOf(deps).start(
          { kind: "agent.install", target: params.id, actor, progressTopic: `progress:install:${params.id}` },
          (correlationId) => s.installer.install(params.id, { actor, correlationId, ...select, confirm: true, expectCommit: body.expect_commit }),
        );
        return accepted(op, set);
      },
      { params: agentIdParamSchema, body: installBodySchema },
    )
    .get("/:id/update-plan", ({ params, request }) => s.updater.checkUpdate(params.id, { actor: actorOf(request) }), { params: agentIdParamSchema })
    .post(
      "/:id/update",
      async ({ params, body, request, set }) => {
        if (body.confirm !== true) throw notConfirmed(`updating ${params.id}`, `${params.id}/update-plan`);
        const actor = actorOf(request);
        const op = await operationsOf(deps).start(
          { kind: "agent.update", target: params.id, actor, progressTopic: `progress:install:${params.id}` },
          (correlationId) => s.updater.update(params.id, { actor, correlationId, confirm: true, expectCommit: body.expect_commit }),
        );
        return accepted(op, set);
      },
      { params: agentIdParamSchema, body: updateBodySchema },
    )
    .get("/:id/approvals", ({ params }) => s.approvals.state(params.id), { params: agentIdParamSchema })
    .post(
      "/:id/enable",
      ({ params, body, request }) => s.approvals.enable(params.id, { actor: actorOf(request), approve: body?.approve, approveAll: body?.approve_all === true, overrideYank: body?.override_yank === true }),
      { params: agentIdParamSchema, body: enableBodySchema },
    )
    .post("/:id/disable", ({ params, request }) => s.approvals.disable(params.id, { actor: actorOf(request) }), { params: agentIdParamSchema })
    .post("/:id/revoke", ({ params, body, request }) => s.approvals.revoke(params.id, body.permission, { actor: actorOf(request) }), {
      params: agentIdParamSchema,
      body: revokeBodySchema,
    })
    .get("/:id/uninstall-plan", ({ params }) => s.installer.planUninstall(params.id), { params: agentIdParamSchema })
    .post(
      "/:id/uninstall",
      ({ params, body, request }) => {
        if (body?.confirm !== true) {
          const plan = s.installer.planUninstall(params.id);
          throw new AppError("confirmation_required", `uninstalling ${params.id} deletes ${plan.removes.join(", ") || "its install record"}; send {"confirm": true}`);
        }
        return s.installer.uninstall(params.id, { actor: actorOf(request), confirm: true });
      },
      { params: agentIdParamSchema, body: confirmBodySchema },
    );
};
