/**
 * Logs: the runtime's per-agent log (stdout, stderr, `log` frames and the
 * core's lifecycle lines, all redacted before they are stored), tail then
 * follow, for one agent or all of them. The `logs` Alpine component
 * (assets/logs.js) fetches the tail from the JSON API, follows the
 * `agent:<id>` topics of /events and keeps at most 2000 lines in the page.
 */
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { Icon } from "../components/icons.tsx";
import { LogStreamToggles } from "../components/log-toolbar.tsx";

export interface LogAgent {
  agentId: string;
  name: string;
  state: string;
}

export function LogsPage({ csrf, agents, selected }: { csrf: string; agents: LogAgent[]; selected: string | null }) {
  const current = selected ? agents.find((a) => a.agentId === selected) : null;
  const title = current ? `Logs · ${current.name}` : "Logs";
  return (
    <Layout title={title} active="logs" csrf={csrf}>
      <PageHeader
        title={title}
        subtitle="Live output of your agents: stdout, stderr, the agent's own log messages and the core's lifecycle events. Secrets are redacted before anything is stored or shown."
      >
        {current ? (
          <a class="button button-secondary" href={`/agents/${encodeURIComponent(current.agentId)}`}>
            Agent page
          </a>
        ) : (
          ""
        )}
      </PageHeader>
      {agents.length === 0 ? (
        <EmptyState icon="logs" title="No agent to show">
          <p>
            Logs appear once an agent is installed and enabled. Find one under <a href="/agents">Agents</a>.
          </p>
        </EmptyState>
      ) : (
        <div class="log-app" x-data="logs" data-agents={JSON.stringify(agents)} data-selected={selected ?? ""}>
          <div class="log-toolbar">
            <label class="field log-agent">
              <span class="field-label">Agent</span>
              <select x-ref="agent" x-on:change="pickAgent" aria-label="Agent" data-testid="log-agent">
                <option value="" selected={!selected}>
                  All agents
                </option>
                {agents.map((a) => (
                  <option value={a.agentId} selected={a.agentId === selected} safe>
                    {`${a.name} · ${a.state}`}
                  </option>
                ))}
              </select>
            </label>
            <label class="field log-filter">
              <span class="field-label">Filter</span>
              <input type="search" x-ref="filter" x-on:input="applyFilter" placeholder="Show lines containing…" autocomplete="off" spellcheck="false" />
            </label>
            <LogStreamToggles />
            <div class="log-controls">
              <button type="button" class="button button-secondary button-small" x-on:click="toggleFollow" x-bind:aria-pressed="followPressed" data-action="follow">
                <Icon name="follow" size={16} />
                <span x-text="followLabel">Following</span>
              </button>
              <button type="button" class="button button-ghost button-small" x-on:click="clear" data-action="clear">
                <Icon name="clear" size={16} />
                <span>Clear</span>
              </button>
            </div>
          </div>
          <div class="log-frame">
            <div class="log-status">
              <span class="log-live" x-text="statusText">Loading…</span>
              <span class="muted" x-text="countText"></span>
            </div>
            <div class="log-view" x-ref="view" role="log" aria-label="Log lines" tabindex="0" x-on:scroll="onScroll" data-testid="log-view"></div>
            <button type="button" class="log-jump button button-primary button-small" x-bind:hidden="atBottom" x-on:click="jump" hidden>
              Jump to latest
            </button>
          </div>
        </div>
      )}
    </Layout>
  );
}
