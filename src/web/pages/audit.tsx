/** Audit log: newest first, filter by agent, action and time, cursor pagination. */
import type { AuditQuery } from "../../api/schemas.ts";
import type { AuditEvent } from "../../core/audit/audit-log.ts";
import { Badge } from "../components/badges.tsx";
import { Breakable } from "../components/breakable.tsx";
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { CursorPagination } from "../components/pagination.tsx";
import { agentHref } from "../render.ts";
import type { SpanRecord } from "../../core/tracing/span-record.ts";
import { TraceTimeline } from "../components/trace-timeline.tsx";

import { auditOutcome, detailPairs, rawDetails } from "../audit-view.ts";

/** Details as key/value pairs that wrap across the row's full width; the stored JSON one click away. */
function Details({ details }: { details: Record<string, unknown> }) {
  const { pairs, more } = detailPairs(details);
  if (pairs.length === 0) return <span class="muted">—</span>;
  return (
    <div class="audit-details">
      <dl class="audit-kv">
        {pairs.map((p) => (
          <div class="audit-kv-pair">
            <dt safe>{p.key}</dt>
            <dd class={p.nested ? "mono audit-kv-nested" : "audit-kv-value"} title={p.truncated ? "cut short: see the JSON" : undefined} safe>
              {p.value}
            </dd>
          </div>
        ))}
        {more > 0 ? <div class="audit-kv-pair muted" safe>{`+${more} more keys`}</div> : ""}
      </dl>
      <details class="raw-json">
        <summary>JSON</summary>
        <pre class="code" safe>{rawDetails(details)}</pre>
      </details>
    </div>
  );
}

/**
 * One event as a <tbody>: the facts on the first line, the details on a
 * second line across the table's width (a details column was squeezed to
 * ~200 px and made 50 rows a 4,800 px page).
 */
function AuditEventRows({ e, start }: { e: AuditEvent; start?: number }) {
  const outcome = auditOutcome(e);
  const columns = start !== undefined ? 6 : 5;
  return (
    <tbody class="audit-event" data-outcome={outcome.label}>
      <tr class="audit-facts">
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
        <td data-label="Agent" class="mono">
          {e.agentId ? (
            <a href={agentHref(e.agentId)}>
              <Breakable text={e.agentId} />
            </a>
          ) : (
            <span class="muted">—</span>
          )}
        </td>
        <td data-label="Outcome">
          <Badge tone={outcome.tone} label={outcome.label} title={outcome.label === e.outcome ? undefined : `stored as ${e.outcome} (${String(e.details.error)})`} />
        </td>
      </tr>
      {Object.keys(e.details).length > 0 ? (
        <tr class="audit-details-row">
          <td data-label="Details" class="details-cell" colspan={String(columns)}>
            <Details details={e.details} />
          </td>
        </tr>
      ) : (
        ""
      )}
    </tbody>
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
              </tr>
            </thead>
            {rows.map((e) => (
              <AuditEventRows e={e} start={start} />
            ))}
          </table>
          <CursorPagination path="/audit" params={{ ...query, before: undefined }} nextBefore={nextBefore} isFirstPage={query.before === undefined} />
        </div>
      )}
    </Layout>
  );
}
