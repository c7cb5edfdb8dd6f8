/**
 * Trust lifecycle over HTTP (issue 16). Same service functions as the CLI.
 *
 *   GET  /api/v1/agents/:id/trust      → AgentTrust (pinned tool surface + pending change, last test run)
 *   GET  /api/v1/agents/:id/test-plan  ?timeout_ms → AgentTestPlan (nothing runs)
 *   POST /api/v1/agents/:id/test       { confirm: true, timeout_ms? } → 202 Operation (result: AgentTestRun)
 *
 * `mix test` runs the agent's own test code, so like a build it needs
 * `confirm: true` (428 `confirmation_required` otherwise, nothing runs).
 * Re-approving a changed tool surface is `POST /agents/:id/enable`.
 */
import { Elysia } from "elysia";
import { agentTrust } from "../../core/approvals/agent-trust.ts";
import { AppError } from "../../core/errors.ts";
import { actorOf, type HttpDeps } from "../context.ts";
import { accepted, operationsOf } from "../operations-store.ts";
import { agentIdParamSchema, agentTestBodySchema, agentTestPlanQuerySchema } from "../schemas.ts";

export const trustRoutes = (deps: HttpDeps) => {
  const s = deps.services;
  return new Elysia({ name: "api.trust", prefix: "/agents" })
    .get("/:id/trust", ({ params }) => agentTrust(s, params.id), { params: agentIdParamSchema })
    .get("/:id/test-plan", ({ params, query }) => s.agentTests.plan(params.id, query.timeout_ms ? Number(query.timeout_ms) : undefined), {
      params: agentIdParamSchema,
      query: agentTestPlanQuerySchema,
    })
    .post(
      "/:id/test",
      async ({ params, body, request, set }) => {
        s.agentTests.plan(params.id, body.timeout_ms); // an unknown agent or a bad deadline is 404/400, not 428
        if (body.confirm !== true) {
          throw new AppError("confirmation_required", `testing ${params.id} runs its own test code; review GET /api/v1/agents/${params.id}/test-plan and send {"confirm": true}`);
        }
        const actor = actorOf(request);
        const op = await operationsOf(deps).start({ kind: "agent.test", target: params.id, actor, progressTopic: `progress:test:${params.id}` }, (correlationId) =>
          s.agentTests.run(params.id, { actor, correlationId, confirm: true, ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}) }),
        );
        return accepted(op, set);
      },
      { params: agentIdParamSchema, body: agentTestBodySchema },
    );
};
