/**
 * Registries over HTTP: list, get, add, remove, sync (one or all).
 *
 *   GET    /api/v1/registries                 → { registries: RegistryInfo[] }
 *   GET    /api/v1/registries/:name           → RegistryInfo
 *   POST   /api/v1/registries                 { name, git_url, ref?, require_signed?, allowed_signers? } → 201 RegistryInfo
 *   DELETE /api/v1/registries/:name           → { name, removedListings }
 *   POST   /api/v1/registries/:name/sync      { force? } → 202 Operation (result: SyncResult)
 *   POST   /api/v1/registries/sync            { force? } → 202 Operation (result: per-registry results)
 *
 * A sync that finds rewritten history fails with `conflict` unless `force`
 * (see Registries.sync); progress streams on `progress:registry:<name>`.
 */
import { Elysia } from "elysia";
import { actorOf, type HttpDeps } from "../context.ts";
import { registryAddSchema, registryNameParamSchema, registrySyncSchema } from "../schemas.ts";
import { accepted, operationsOf } from "../operations-store.ts";

export const registriesRoutes = (deps: HttpDeps) => {
  const reg = deps.services.registries;
  return new Elysia({ name: "api.registries", prefix: "/registries" })
    .get("/", () => ({ registries: reg.list() }))
    .get("/:name", ({ params }) => reg.get(params.name), { params: registryNameParamSchema })
    .post(
      "/",
      ({ body, request, set }) => {
        const info = reg.add(
          { name: body.name, gitUrl: body.git_url, ref: body.ref, requireSigned: body.require_signed === true, allowedSigners: body.allowed_signers },
          { actor: actorOf(request) },
        );
        set.status = 201;
        return info;
      },
      { body: registryAddSchema },
    )
    .delete("/:name", ({ params, request }) => reg.remove(params.name, { actor: actorOf(request) }), { params: registryNameParamSchema })
    .post(
      "/sync",
      async ({ body, request, set }) => {
        const actor = actorOf(request);
        const op = await operationsOf(deps).start({ kind: "registry.sync_all", target: null, actor, progressTopic: null }, (correlationId) =>
          reg.syncAll({ actor, correlationId, force: body?.force === true }),
        );
        return accepted(op, set);
      },
      { body: registrySyncSchema },
    )
    .post(
      "/:name/sync",
      async ({ params, body, request, set }) => {
        const actor = actorOf(request);
        const op = await operationsOf(deps).start(
          { kind: "registry.sync", target: params.name, actor, progressTopic: `progress:registry:${params.name}` },
          (correlationId) => reg.sync(params.name, { actor, correlationId, force: body?.force === true }),
        );
        return accepted(op, set);
      },
      { params: registryNameParamSchema, body: registrySyncSchema },
    );
};
