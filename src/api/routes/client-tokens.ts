/**
 * Scoped client tokens for MCP clients.
 *
 *   GET    /api/v1/client-tokens         → { tokens }            (never the secrets)
 *   POST   /api/v1/client-tokens         { name, tools } → 201 the token, with its secret (shown once)
 *   DELETE /api/v1/client-tokens/:name   → { name }              (its MCP sessions end at once)
 */
import { Elysia } from "elysia";
import { actorOf, type HttpDeps } from "../context.ts";
import { clientTokenCreateSchema, clientTokenNameParamSchema } from "../schemas.ts";

export const clientTokensRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.client-tokens", prefix: "/client-tokens" })
    .get("/", () => ({ tokens: deps.services.clientTokens.list() }))
    .post(
      "/",
      ({ body, request, set }) => {
        const created = deps.services.clientTokens.create(body.name, body.tools, { actor: actorOf(request) });
        set.status = 201;
        return created;
      },
      { body: clientTokenCreateSchema },
    )
    .delete("/:name", ({ params, request }) => deps.services.clientTokens.revoke(params.name, { actor: actorOf(request) }), { params: clientTokenNameParamSchema });
