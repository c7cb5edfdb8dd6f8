/**
 * HTML pages. Like the API handlers, each one validates its query with zod,
 * calls one service function and renders; the guard already made sure there is
 * a session (anonymous visitors are redirected to /login before routing).
 */
import { Elysia } from "elysia";
import { z } from "zod";
import { type HttpDeps, sessionOf } from "../../api/context.ts";
import { agentFilterShape, agentIdParamSchema, registryNameParamSchema, auditFilterShape, queryObject, toAuditFilter, toSearchFilter } from "../../api/schemas.ts";
import { AppError } from "../../core/errors.ts";
import { CLIENT_TOKEN_NAME_PATTERN } from "../../core/client-tokens/client-tokens.ts";
import { AgentDetailPage } from "../pages/agent-detail.tsx";
import { AgentsListPage } from "../pages/agents-list.tsx";
import { AGENT_NOTICE_KEYS, AGENT_NOTICES } from "../components/agent-actions.tsx";
import { RegistriesPage } from "../pages/registries.tsx";
import { AuditPage } from "../pages/audit.tsx";
import { ClientsPage } from "../pages/clients.tsx";
import { requestInfo } from "../../api/context.ts";
import { htmlResponse } from "../render.ts";
import { eventRoutes } from "../sse.ts";
import { livePageRoutes } from "./live-pages.tsx";
import { agentToolStats } from "./tool-stats.tsx";
import { agentTrust } from "../../core/approvals/agent-trust.ts";
import { searchWithRuntime } from "../../core/search/runtime-filter.ts";

const PAGE_SIZE = 25;
const flag = z.literal("1").optional();
const agentsPageQuery = queryObject({ ...agentFilterShape, rescanned: flag });
const agentPageQuery = queryObject({ rescanned: flag, done: z.enum(AGENT_NOTICE_KEYS).optional() });
const registriesPageQuery = queryObject({ added: registryNameParamSchema.shape.name.optional(), removed: flag });
const auditPageQuery = queryObject(auditFilterShape);
const clientsPageQuery = queryObject({ revoked: z.string().regex(CLIENT_TOKEN_NAME_PATTERN).optional() });

/** The page's CSRF token; pages are only routed for sessions (see the guard). */
function csrfOf(request: Request): string {
  const s = sessionOf(request);
  if (!s) throw new AppError("unauthorized", "log in first");
  return s.session.csrf;
}

const redirect = (location: string) => new Response(null, { status: 302, headers: { location } });

export const pageRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "web.pages" })
    .use(eventRoutes(deps))
    .get("/", () => redirect("/agents"))
    .get(
      "/agents",
      ({ query, request }) => {
        const { rescanned, ...filters } = query;
        const page = searchWithRuntime(deps.services.search, toSearchFilter(filters, PAGE_SIZE), deps.runtime.statuses());
        return htmlResponse(<AgentsListPage page={page} query={filters} csrf={csrfOf(request)} notice={rescanned ? "Rescan finished: the catalog is up to date." : undefined} runtime={new Map(deps.runtime.statuses().map((r) => [r.agentId, r]))} />);
      },
      { query: agentsPageQuery },
    )
    .get(
      "/agents/:id",
      ({ params, query, request }) => {
        const agent = deps.services.catalog.get(params.id);
        return htmlResponse(<AgentDetailPage agent={agent} csrf={csrfOf(request)} notice={query.done ? AGENT_NOTICES[query.done] : query.rescanned ? "Rescan finished." : undefined} runtime={agent.id ? deps.runtime.status(agent.id) : null} sandbox={agent.id ? deps.runtime.sandboxView(agent.id) : null} toolStats={agent.id && (agent.install || agent.toolSummary.length) ? agentToolStats(deps, agent.id) : null} trust={agent.id && agent.install ? agentTrust(deps.services, agent.id) : null} />);
      },
      { params: agentIdParamSchema, query: agentPageQuery },
    )
    .get(
      "/audit",
      ({ query, request }) => {
        const filter = toAuditFilter(query, deps.services.clock.now(), PAGE_SIZE);
        const events = deps.services.audit.query(filter);
        const nextBefore = events.length === filter.limit ? (events.at(-1)?.id ?? null) : null;
        const spans = query.correlation ? deps.runtime.tracer.spansFor(query.correlation) : [];
        return htmlResponse(<AuditPage events={events} query={query} nextBefore={nextBefore} csrf={csrfOf(request)} spans={spans} />);
      },
      { query: auditPageQuery },
    )
    .get(
      "/registries",
      ({ query, request }) => {
        const registries = deps.services.registries.list();
        // Only a name that exists is echoed back; everything else is a fixed text.
        const added = query.added && registries.some((r) => r.name === query.added) ? query.added : null;
        const notice = added ? `Registry ${added} added. Sync it to list its agents.` : query.removed ? "Registry removed. Agents installed from it stay installed." : null;
        return htmlResponse(<RegistriesPage registries={registries} csrf={csrfOf(request)} notice={notice ? { tone: "success", message: notice } : undefined} />);
      },
      { query: registriesPageQuery },
    )
    .get(
      "/clients",
      ({ query, request }) => {
        const tokens = deps.services.clientTokens.list();
        // Only a name that no longer exists is echoed back (it was just revoked); otherwise a fixed text.
        const revoked = query.revoked && !tokens.some((t) => t.name === query.revoked) ? query.revoked : null;
        const notice = revoked ? { tone: "success" as const, message: `Client token ${revoked} revoked; its MCP sessions have ended.` } : undefined;
        return htmlResponse(<ClientsPage tokens={tokens} csrf={csrfOf(request)} origin={requestInfo(request).origin} notice={notice} />);
      },
      { query: clientsPageQuery },
    )
    .use(livePageRoutes(deps));
