/**
 * GET /api/v1/audit: newest first; page with `before` = the last id seen (`next_before`).
 * GET /api/v1/audit/verify: walks the hash chain (`tail=N`: only the newest N rows).
 * GET /api/v1/audit/export: JSONL, oldest first; pages are read only as fast as the client takes them.
 */
import { Elysia } from "elysia";
import { parseSince } from "../../core/audit/audit-log.ts";
import { toJsonl } from "../../core/audit/export.ts";
import { AppError } from "../../core/errors.ts";
import { auditExportQuerySchema, auditVerifyQuerySchema } from "../../contract/audit-chain.ts";
import type { HttpDeps } from "../context.ts";
import { auditQuerySchema, toAuditFilter } from "../schemas.ts";

export const auditRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.audit", prefix: "/audit" })
    .get(
      "/",
      ({ query }) => {
        const filter = toAuditFilter(query, deps.services.clock.now());
        const events = deps.services.audit.query(filter);
        return { events, next_before: events.length === filter.limit ? (events.at(-1)?.id ?? null) : null };
      },
      { query: auditQuerySchema },
    )
    .get("/verify", ({ query }) => deps.services.audit.verifySnapshot(query.tail === undefined ? {} : { tailRows: query.tail }), { query: auditVerifyQuerySchema })
    .get(
      "/export",
      ({ query }) => {
        const since = query.since === undefined ? null : parseSince(query.since, deps.services.clock.now());
        if (since === null && query.since !== undefined) throw new AppError("invalid_argument", `since: must be an ISO time or an age like 30m, 2h, 7d; got ${JSON.stringify(query.since)}`);
        const pages = deps.services.audit.exportPages(since);
        const enc = new TextEncoder();
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            const next = pages.next();
            if (next.done) c.close();
            else c.enqueue(enc.encode(toJsonl(next.value)));
          },
          cancel() {
            pages.return(undefined);
          },
        });
        return new Response(body, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
      },
      { query: auditExportQuerySchema },
    );
