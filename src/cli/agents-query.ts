import { AGENT_STATUS_VALUES, type AgentStatus } from "../core/catalog/types.ts";
import { AppError } from "../core/errors.ts";
import type { SearchFilter } from "../core/search/search.ts";
import { type Command, intOption, stringOption, type Values } from "./command.ts";
import { agentDetailText, agentsTable } from "./format-agents.ts";
import { printJson } from "./output.ts";
import type { SearchPage } from "../core/search/search.ts";
import type { AgentDetail } from "../core/catalog/types.ts";
import { sandboxLauncherFor } from "../core/sandbox/for-config.ts";
import type { SandboxView } from "../core/sandbox/launcher.ts";
import type { Services } from "./command.ts";
import { sandboxText } from "./format-sandbox.ts";
import { runtimeStatusText } from "./agents-lifecycle.ts";
import type { CommandContext } from "./command.ts";

const indent = (s: string) => s.replace(/^/gm, "  ");

/** Without a daemon: the sandbox this agent would get at its next start. */
function localSandbox(s: Services, detail: AgentDetail): SandboxView | null {
  if (!detail.id || detail.install?.state !== "installed") return null;
  return sandboxLauncherFor(s.config).describe(detail.id, detail.install.installPath, detail.install.devMode, detail.approvals.map((a) => a.permission));
}

/** The daemon's catalog when it runs (it owns the state), else the data directory's, read-only. */
async function searchPage(ctx: CommandContext, filter: SearchFilter): Promise<SearchPage> {
  const t = await ctx.target({ write: false });
  if (t.kind === "local") return t.services.search.search(filter);
  return t.client.listAgents({
    q: filter.query,
    capability: filter.capability,
    integration: filter.integration,
    status: filter.status,
    verification: filter.verification,
    "min-trust": filter.minTrust,
    source: filter.source,
    limit: filter.limit,
    offset: filter.offset,
  });
}

const FILTER_OPTIONS = {
  capability: { type: "string" },
  integration: { type: "string" },
  status: { type: "string" },
  verification: { type: "string" },
  "min-trust": { type: "string" },
  source: { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
} as const;

function filterFrom(values: Values): SearchFilter {
  const status = stringOption(values, "status");
  if (status && !AGENT_STATUS_VALUES.includes(status as AgentStatus)) {
    throw new AppError("usage", `--status must be one of ${AGENT_STATUS_VALUES.join(", ")}`);
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
    status: status as AgentStatus | undefined,
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
  async run(ctx) {
    const query = ctx.positionals[0]!;
    if (query.length > 512) throw new AppError("usage", "QUERY is longer than 512 characters");
    const page = await searchPage(ctx, { ...filterFrom(ctx.values), query });
    if (ctx.json) printJson(ctx.io, page);
    else ctx.io.out(agentsTable(page));
    return 0;
  },
};

export const agentsInfo: Command = {
  path: ["agents", "info"],
  summary: "Show everything known about one agent",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const t = await ctx.target({ write: false });
    const detail = t.kind === "daemon" ? await t.client.getAgent(ctx.positionals[0]!) : t.services.catalog.get(ctx.positionals[0]!);
    // Live state only exists while a daemon runs; without one the catalog alone answers.
    const runtime = t.kind === "daemon" && detail.id ? await t.client.agentStatus(detail.id) : null;
    const sandbox = !detail.id ? null : t.kind === "daemon" ? await t.client.agentSandbox(detail.id) : localSandbox(t.services, detail);
    if (ctx.json) printJson(ctx.io, { ...detail, runtime, sandbox });
    else ctx.io.out(agentDetailText(detail) + (runtime ? `\n\nRuntime:\n${indent(runtimeStatusText(runtime))}` : "") + (sandbox ? `\n\nSandbox:\n${indent(sandboxText(sandbox))}` : ""));
    return 0;
  },
};
