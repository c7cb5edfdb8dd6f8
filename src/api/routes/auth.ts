/**
 * POST /api/v1/auth/rotate-token: the daemon owns the token, so rotation
 * happens here: new token file, every browser session ended, one audit entry.
 * Bearer only: a browser session cannot rotate the token it would then lack.
 */
import { Elysia } from "elysia";
import { AppError } from "../../core/errors.ts";
import { type HttpDeps, requestInfo } from "../context.ts";

export const authRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.auth", prefix: "/auth" })
    .get("/whoami", ({ request }) => {
      const p = requestInfo(request).principal;
      // Client tokens (kind "client") are accepted on /mcp only and never reach this route.
      if (p.kind === "client") throw new AppError("unauthorized", "authentication required");
      return { kind: p.kind, actor: p.kind === "anonymous" ? null : p.actor };
    })
    .post("/rotate-token", ({ request }) => {
      const p = requestInfo(request).principal;
      if (p.kind !== "bearer") throw new AppError("forbidden", "rotate the token with the CLI: opensentience token --rotate");
      try {
        deps.token.rotate();
      } catch (e) {
        deps.services.audit.record({ actor: p.actor, action: "auth.token_rotate", outcome: "error", details: { error: (e as Error).message } });
        throw e;
      }
      const revoked = deps.sessions.clear();
      deps.services.events.emit({ type: "auth.sessions_ended", csrf: null });
      deps.services.audit.record({ actor: p.actor, action: "auth.token_rotate", outcome: "ok", details: { sessions_revoked: revoked } });
      return { rotated: true as const, sessions_revoked: revoked };
    });
