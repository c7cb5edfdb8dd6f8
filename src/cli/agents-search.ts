/**
 * `agents list` and `agents search`: cheap to start. With no daemon and no
 * config file they read the catalog directly (read-only, one SQLite handle,
 * the search service's own SQL) — no config validation, daemon client or
 * services are loaded; otherwise they go through `ctx.target()` like every
 * other command (a running daemon owns the state and answers).
 */
import type { Database } from "bun:sqlite";
import { AGENT_STATUS_VALUES, type AgentStatus } from "../core/catalog/types.ts";
import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { EXAMPLES_MARKER } from "../core/first-run/pending.ts";
import { AppError } from "../core/errors.ts";
import type { SearchFilter, SearchPage } from "../core/search/search.ts";
// Constants and a type guard only: runtime-filter.ts has no runtime imports (CLI start, issue 13).
import { isRuntimeFilter, RUNTIME_FILTER_VALUES, type RuntimeFilter } from "../core/search/runtime-filter.ts";
// Inlined at bundle time: importing migrations.ts would load every migration's SQL (CLI start, issue 13).
import { latestMigrationVersion } from "../db/latest-migration.macro.ts" with { type: "macro" };
import { type Command, type CommandContext, intOption, stringOption, type Values } from "./command.ts";
import { agentsTable } from "./format-agents.ts";
import { printJson } from "./output.ts";

/**
 * The page straight from the data directory's catalog, or null when the full
 * path must answer: a daemon file (a daemon may run and own the state), a
 * config file (it must be validated like for any command), no catalog yet, or
 * a catalog whose migrations are not all applied (opening it migrates).
 */
export async function localPageDirect(env: Record<string, string | undefined>, filter: SearchFilter): Promise<SearchPage | null> {
  const paths = dataPaths(resolveHome(env));
  // Bun.file().exists() rather than node:fs, whose loading alone costs this command a sixth of its start;
  // one at a time rather than Promise.all over a map: those are JS builtins compiled on first use (issue 13).
  if (await Bun.file(paths.daemonFile).exists()) return null;
  if (await Bun.file(paths.config).exists()) return null;
  if (!(await Bun.file(paths.db).exists())) return null;
  // The first-run examples registry is still to be made (under the lock, by the full path).
  if (env.OPENSENTIENCE_EXAMPLES !== "0" && !(await Bun.file(`${paths.home}/${EXAMPLES_MARKER}`).exists())) return null;
  // Loaded only here: with a daemon running the command never opens the catalog.
  const { Database } = await import("bun:sqlite");
  const { CatalogSearch } = await import("../core/search/search.ts");
  let db: Database;
  try {
    db = new Database(paths.db, { readonly: true });
  } catch {
    return null;
  }
  try {
    // query().get() rather than exec(): the statement path is compiled anyway, exec's is not (issue 13).
    db.query("PRAGMA busy_timeout = 5000").get();
    const applied = db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_migrations").get()?.v ?? 0;
    if (applied !== latestMigrationVersion()) return null;
    return new CatalogSearch(db).search(filter);
  } catch (e) {
    if (e instanceof AppError) throw e;
    return null; // anything unexpected (no schema_migrations, locked, …): the full path reports it properly
  } finally {
    db.close();
  }
}

/** `GET /api/v1/agents` query parameters for a filter (the typed client and the direct read send the same). */
function listQuery(filter: SearchFilter) {
  return {
    q: filter.query,
    capability: filter.capability,
    integration: filter.integration,
    status: filter.status,
    verification: filter.verification,
    "min-trust": filter.minTrust,
    source: filter.source,
    limit: filter.limit,
    offset: filter.offset,
  };
}

/**
 * The running daemon's page without the typed client (see daemon-direct.ts), or null when the full path must
 * answer. Only the shape the table needs is checked here; anything else goes the validated way.
 */
export async function daemonPageDirect(env: Record<string, string | undefined>, filter: SearchFilter): Promise<SearchPage | null> {
  const paths = dataPaths(resolveHome(env));
  const { daemonGetDirect } = await import("./daemon-direct.ts");
  const body = await daemonGetDirect(paths.localApiSocket, "/agents", listQuery(filter));
  const page = body as Partial<SearchPage> | null;
  if (!page || !Array.isArray(page.agents) || typeof page.total !== "number") return null;
  return page as SearchPage;
}

/** The daemon's catalog when it runs (it owns the state), else the data directory's, read-only. */
async function searchPage(ctx: CommandContext, filter: SearchFilter & { runtime?: RuntimeFilter }): Promise<SearchPage> {
  if (filter.runtime) return runtimePage(ctx, filter as SearchFilter & { runtime: RuntimeFilter });
  const direct = (await localPageDirect(ctx.env, filter)) ?? (await daemonPageDirect(ctx.env, filter));
  if (direct) return direct;
  const t = await ctx.target({ write: false });
  if (t.kind === "local") return t.services.search.search(filter);
  return t.client.listAgents(listQuery(filter));
}

/** `--status running|stopped|crashed`: the daemon's runtime state; without a daemon nothing runs, and the user is told so. */
async function runtimePage(ctx: CommandContext, filter: SearchFilter & { runtime: RuntimeFilter }): Promise<SearchPage> {
  const t = await ctx.target({ write: false });
  if (t.kind === "daemon") return t.client.listAgents({ ...listQuery(filter), status: filter.runtime });
  const { searchWithRuntime } = await import("../core/search/runtime-filter.ts");
  ctx.io.err(`note: no daemon is running, so no agent is running${filter.runtime === "stopped" ? ": every installed agent is stopped" : ""} (start one with: opensentience serve)`);
  return searchWithRuntime(t.services.search, filter, null);
}

const FILTER_OPTIONS = {
  capability: { type: "string", description: "Only agents declaring this capability" },
  integration: { type: "string", description: "Only agents with this integration" },
  status: { type: "string", description: `Only agents in this state: ${AGENT_STATUS_VALUES.join(", ")}; or, as the running daemon knows it, ${RUNTIME_FILTER_VALUES.join(", ")} (installed agents; without a daemon none is running)` },
  verification: { type: "string", description: "Only agents with this verification level" },
  "min-trust": { type: "string", description: "Only agents with a trust score of at least N (0 to 1)" },
  source: { type: "string", description: "local (found on disk) or remote (from a registry)" },
  limit: { type: "string", description: "Rows per page (1 to 1000)" },
  offset: { type: "string", description: "Rows to skip (for paging)" },
} as const;

function filterFrom(values: Values): SearchFilter & { runtime?: RuntimeFilter } {
  const status = stringOption(values, "status");
  if (status && !AGENT_STATUS_VALUES.includes(status as AgentStatus) && !isRuntimeFilter(status)) {
    throw new AppError("usage", `--status must be one of ${[...AGENT_STATUS_VALUES, ...RUNTIME_FILTER_VALUES].join(", ")}`);
  }
  const source = stringOption(values, "source");
  if (source && source !== "local" && source !== "remote") throw new AppError("usage", "--source must be local or remote");
  const minTrustRaw = stringOption(values, "min-trust");
  const minTrust = minTrustRaw === undefined ? undefined : Number(minTrustRaw);
  if (minTrust !== undefined && (!Number.isFinite(minTrust) || minTrust < 0 || minTrust > 1)) {
    throw new AppError("usage", "--min-trust must be a number from 0 to 1");
  }
  return {
    capability: stringOption(values, "capability"),
    integration: stringOption(values, "integration"),
    ...(isRuntimeFilter(status) ? { runtime: status } : { status: status as AgentStatus | undefined }),
    verification: stringOption(values, "verification"),
    minTrust,
    source: source as "local" | "remote" | undefined,
    limit: intOption(values, "limit", 1, 1000),
    offset: intOption(values, "offset", 0, 100_000_000),
  };
}

const FILTER_USAGE = "[--capability C] [--integration I] [--status S] [--verification V] [--min-trust N] [--source local|remote] [--limit N] [--offset N]";

export const agentsList: Command = {
  path: ["agents", "list"],
  summary: "List catalogued agents (local and from registries)",
  usage: FILTER_USAGE,
  options: FILTER_OPTIONS,
  lazyContext: true,
  async run(ctx) {
    const page = await searchPage(ctx, filterFrom(ctx.values));
    if (ctx.json) printJson(ctx.io, page);
    else ctx.io.out(agentsTable(page));
    return 0;
  },
};

export const agentsSearch: Command = {
  path: ["agents", "search"],
  summary: "Full-text search over id, name, description, keywords and tools",
  usage: `QUERY ${FILTER_USAGE}`,
  options: FILTER_OPTIONS,
  args: { min: 1, max: 1 },
  lazyContext: true,
  async run(ctx) {
    const query = ctx.positionals[0]!;
    if (query.length > 512) throw new AppError("usage", "QUERY is longer than 512 characters");
    const page = await searchPage(ctx, { ...filterFrom(ctx.values), query });
    if (ctx.json) printJson(ctx.io, page);
    else ctx.io.out(agentsTable(page));
    return 0;
  },
};

