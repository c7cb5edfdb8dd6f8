/** Audit log: newest first, filter by agent, action and time, cursor pagination. */
import type { AuditQuery } from "../../api/schemas.ts";
import type { AuditEvent } from "../../core/audit/audit-log.ts";
import { Badge } from "../components/badges.tsx";
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { CursorPagination } from "../components/pagination.tsx";
import { agentHref } from "../render.ts";
import type { SpanRecord } from "../../core/tracing/span-record.ts";
import { TraceTimeline } from "../components/trace-timeline.tsx";

const OUTCOME_TONE = { ok: "success", error: "danger", denied: "warning", started: "info" } as const;

function details(d: Record<string, unknown>): string {
  const s = JSON.stringify(d);
  return s === "{}" ? "" : s.length > 400 ? `${s.slice(0, 399)}…` : s;
}

function AuditRow({ e, start }: { e: AuditEvent; start?: number }) {
  return (
    <tr>
      <td data-label="Time" class="mono nowrap" title={e.at} safe>
        {e.at.slice(0, 19).replace("T", " ")}
      </td>
      {start !== undefined ? (
        <td data-label="Offset" class="mono nowrap offset-cell" safe>
          {`+${Math.max(0, Date.parse(e.at) - start)} ms`}
        </td>
      ) : (
        ""
      )}
      <td data-label="Actor">
        <span class="chip">{e.actor}</span>
      </td>
      <td data-label="Action" class="mono" safe>
        {e.action}
      </td>
      <td data-label="Agent" class="mono break">
        {e.agentId ? (
          <a href={agentHref(e.agentId)} safe>
            {e.agentId}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="Outcome">
        <Badge tone={OUTCOME_TONE[e.outcome] ?? "neutral"} label={e.outcome} />
      </td>
      <td data-label="Details" class="details-cell">
        <code class="details" safe>{details(e.details)}</code>
      </td>
    </tr>
  );
}

export function AuditPage({ events, query, nextBefore, csrf, spans = [] }: { events: AuditEvent[]; query: AuditQuery; nextBefore: number | null; csrf: string; spans?: SpanRecord[] }) {
  const filtered = !!(query.agent || query.action || query.since || query.correlation);
  // One correlation id (a chat turn, a tool call, a CLI command) reads best as a timeline: oldest first, with offsets.
  const timeline = !!query.correlation;
  const rows = timeline ? [...events].reverse() : events;
  const start = timeline && rows[0] ? Date.parse(rows[0].at) : undefined;
  return (
    <Layout title="Audit log" active="audit" csrf={csrf}>
      <PageHeader title="Audit log" subtitle="Every privileged action, who did it (cli, ui, api, mcp, system, agent) and how it ended. Secrets are redacted before they are stored." />
      <form class="filters" method="get" action="/audit" role="search">
        <div class="filter-grid filter-grid-audit">
          <label class="field">
            <span class="field-label">Agent</span>
            <input type="text" name="agent" value={query.agent ?? ""} placeholder="com.example.agent" maxlength="256" autocomplete="off" spellcheck="false" />
          </label>
          <label class="field">
            <span class="field-label">Action</span>
            <input type="text" name="action" value={query.action ?? ""} placeholder="e.g. discovery.run" maxlength="128" autocomplete="off" spellcheck="false" />
          </label>
          <label class="field">
            <span class="field-label">Since</span>
            <input type="text" name="since" value={query.since ?? ""} placeholder="30m, 2h, 7d or an ISO time" maxlength="64" autocomplete="off" />
          </label>
          <div class="filter-actions">
            <button type="submit" class="button button-primary">Filter</button>
            {filtered ? (
              <a class="button button-ghost" href="/audit">
                Reset
              </a>
            ) : (
              ""
            )}
          </div>
        </div>
      </form>
      {timeline ? (
        <div class="timeline-note" role="status">
          <span>Timeline of one turn or command, oldest first:</span>
          <code safe>{query.correlation}</code>
          <a href="/audit">Show all events</a>
        </div>
      ) : (
        ""
      )}
      {timeline ? <TraceTimeline spans={spans} /> : ""}
      {events.length === 0 ? (
        <EmptyState icon="audit" title={filtered ? "No events match" : "No events yet"}>
          <p>{filtered ? "Try a wider time range or clear the filters." : "Actions such as discovery, installs and logins will appear here."}</p>
        </EmptyState>
      ) : (
        <div class="card table-card">
          <table class="table audit-table">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                {timeline ? <th scope="col">Offset</th> : ""}
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Agent</th>
                <th scope="col">Outcome</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <AuditRow e={e} start={start} />
              ))}
            </tbody>
          </table>
          <CursorPagination path="/audit" params={{ ...query, before: undefined }} nextBefore={nextBefore} isFirstPage={query.before === undefined} />
        </div>
      )}
    </Layout>
  );
}
