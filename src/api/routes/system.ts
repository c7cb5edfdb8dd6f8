/** GET /api/v1/health and /api/v1/version: liveness for the CLI client and tests. */
import { Elysia } from "elysia";
import { COMMIT, VERSION } from "../../version.ts";
import type { HttpDeps } from "../context.ts";

export const systemRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.system" })
    .get("/health", () => ({ status: "ok" as const, version: VERSION, pid: process.pid, started_at: deps.startedAt }))
    .get("/version", () => ({ version: VERSION, commit: COMMIT }));
