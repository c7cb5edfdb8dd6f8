/** POST /api/v1/discovery/run: rescan the configured roots (or `paths`); audited by the service. */
import { Elysia } from "elysia";
import { actorOf, type HttpDeps } from "../context.ts";
import { discoveryBodySchema } from "../schemas.ts";

export const discoveryRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.discovery", prefix: "/discovery" }).post(
    "/run",
    ({ body, request }) => {
      const report = deps.services.discovery.run({ paths: body?.paths, actor: actorOf(request) });
      deps.services.events.emit({ type: "catalog.changed", reason: "discovery" });
      return report;
    },
    { body: discoveryBodySchema },
  );
