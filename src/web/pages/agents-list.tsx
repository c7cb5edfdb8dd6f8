/** Agents list: local checkouts and registry entries, searchable and filterable. */
import type { AgentQuery } from "../../api/schemas.ts";
import type { AgentSummary } from "../../core/catalog/types.ts";
import type { SearchPage } from "../../core/search/search.ts";
import { AgentFilters } from "../components/agent-filters.tsx";
import type { RuntimeStatus } from "../../core/runtime/runtime-status.ts";
import { Chips, SourceLabel, TrustScore, VerificationBadge } from "../components/badges.tsx";
import { LiveBadges } from "../components/live-badges.tsx";
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { Notice } from "../components/notice.tsx";
import { Pagination } from "../components/pagination.tsx";
import { agentHref } from "../render.ts";

export interface AgentsListProps {
  page: SearchPage;
  query: AgentQuery;
  csrf: string;
  notice?: string;
  /** Live runtime state by agent id (agents that never ran have none). */
  runtime?: ReadonlyMap<string, RuntimeStatus>;
}

function AgentRow({ a, runtime }: { a: AgentSummary; runtime?: RuntimeStatus | undefined }) {
  const problem = a.status === "invalid" && a.errors[0] ? `${a.errors[0].path}: ${a.errors[0].message}` : null;
  return (
    <tr>
      <td class="cell-agent" data-label="Agent">
        <a class="agent-name" href={agentHref(a.id ?? a.key)} safe>
          {a.name || a.id || "(unnamed)"}
        </a>
        <div class="agent-id mono" safe>
          {a.id ?? "invalid manifest"}
        </div>
        {problem ? (
          <p class="agent-desc agent-problem" safe>
            {problem}
          </p>
        ) : (
          <p class="agent-desc" safe>
            {a.description}
          </p>
        )}
      </td>
      <td data-label="Version" class="mono" safe>
        {a.version || "—"}
      </td>
      <td data-label="Status">
        <LiveBadges agent={a} runtime={runtime} />
      </td>
      <td data-label="Source">
        <SourceLabel source={a.source} registry={a.registry} />
      </td>
      <td data-label="Capabilities">
        <Chips items={a.capabilities} max={3} />
      </td>
      <td data-label="Trust">
        {a.verification || a.trustScore !== null ? (
          <div class="trust-cell">
            <VerificationBadge verification={a.verification} />
            <TrustScore score={a.trustScore} />
          </div>
        ) : (
          <span class="muted">Unverified</span>
        )}
      </td>
    </tr>
  );
}

export function AgentsListPage({ page, query, csrf, notice, runtime }: AgentsListProps) {
  const filtered = Object.entries(query).some(([k, v]) => k !== "limit" && k !== "offset" && v !== undefined);
  const params = { ...query, offset: undefined };
  return (
    <Layout title="Agents" active="agents" csrf={csrf}>
      <PageHeader title="Agents" subtitle="Agents found on this machine and listed in your registries. Nothing here runs until you install and enable it.">
        <form method="post" action="/actions/rescan" class="inline-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class="button button-secondary" title="Re-read manifests from the scan roots">
            Rescan folders
          </button>
        </form>
      </PageHeader>
      {notice ? <Notice tone="success" message={notice} /> : ""}
      <AgentFilters query={query} />
      {page.agents.length === 0 ? (
        <EmptyState title={filtered ? "No agents match" : "No agents yet"}>
          {filtered ? (
            <p>
              Try a different search, or <a href="/agents">clear the filters</a>.
            </p>
          ) : (
            <p>
              Put an agent checkout with an <code>opensentience.agent.json</code> under a scan root, then rescan. See{" "}
              <code>opensentience config show</code> for the scan roots.
            </p>
          )}
        </EmptyState>
      ) : (
        <div class="card table-card">
          <table class="table agents-table" data-live-all-agents>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Capabilities</th>
                <th scope="col">Trust</th>
              </tr>
            </thead>
            <tbody>
              {page.agents.map((a) => (
                <AgentRow a={a} runtime={a.id ? runtime?.get(a.id) : undefined} />
              ))}
            </tbody>
          </table>
          <Pagination path="/agents" total={page.total} totalCapped={page.totalCapped} offset={page.offset} limit={page.limit} params={params} />
        </div>
      )}
    </Layout>
  );
}
