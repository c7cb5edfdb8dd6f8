/**
 * `--status running|stopped|crashed` (issue 17, finding 6): the agent list
 * filtered by the runtime state the daemon knows, beside the catalog's own
 * statuses. Only installed agents have a runtime state; they are few (one row
 * each in installs), so they are fetched whole, classified and paged here.
 * Without a daemon (`statuses` null) nothing runs: every installed agent is
 * stopped.
 */
import type { AgentStatus } from "../catalog/types.ts";
import type { RuntimeState, RuntimeStatus } from "../runtime/runtime-status.ts";
import type { CatalogSearch, SearchFilter, SearchPage } from "./search.ts";

export const RUNTIME_FILTER_VALUES = ["running", "stopped", "crashed"] as const;
export type RuntimeFilter = (typeof RUNTIME_FILTER_VALUES)[number];

export const isRuntimeFilter = (s: string | undefined): s is RuntimeFilter => (RUNTIME_FILTER_VALUES as readonly string[]).includes(s ?? "");

/** running: its process is up (or coming up / going down); crashed: restarting after a crash or given up; else stopped. */
export function runtimeClass(state: RuntimeState): RuntimeFilter {
  if (state === "running" || state === "starting" || state === "stopping") return "running";
  if (state === "backoff" || state === "failed" || state === "exited") return "crashed";
  return "stopped";
}

const INSTALLED: readonly AgentStatus[] = ["installed", "local_dev"];
/** installs rows one search page can hold (the API's page limit). */
const MAX_PAGE = 1000;

/** The page for `filter`, also restricted to agents in runtime state `runtime`; `statuses`: the daemon's, null without one. */
export function searchWithRuntime(search: CatalogSearch, filter: SearchFilter & { runtime?: RuntimeFilter }, statuses: readonly RuntimeStatus[] | null): SearchPage {
  const { runtime, ...f } = filter;
  if (!runtime) return search.search(f);
  const limit = f.limit ?? 50;
  const offset = f.offset ?? 0;
  const byId = new Map((statuses ?? []).map((s) => [s.agentId, runtimeClass(s.state)]));
  let capped = false;
  const installed = (f.status ? INSTALLED.filter((s) => s === f.status) : INSTALLED).flatMap((status) => {
    const page = search.search({ ...f, status, limit: MAX_PAGE, offset: 0 });
    capped ||= page.total > page.agents.length;
    return page.agents;
  });
  const matching = installed.filter((a) => a.id && (byId.get(a.id) ?? "stopped") === runtime);
  matching.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || (a.id ?? "").localeCompare(b.id ?? ""));
  return { total: matching.length, totalCapped: capped, limit, offset, agents: matching.slice(offset, offset + limit) };
}
