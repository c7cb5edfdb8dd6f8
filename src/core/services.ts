/**
 * Builds the service layer from a config. The CLI (local commands) and the
 * daemon both start here, so every adapter calls the same functions.
 */
import { openDb, type OpenedDb } from "../db/open.ts";
import { AuditLog, type AuditEvent } from "./audit/audit-log.ts";
import { Catalog } from "./catalog/catalog.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config/load.ts";
import { Discovery } from "./discovery/discovery.ts";
import { EventBus } from "./events.ts";
import { metricsReliability } from "./search/reliability.ts";
import { CatalogSearch } from "./search/search.ts";
import { sdkPath, toolchainDirs } from "./agent-env.ts";
import { AgentHooks } from "./approvals/agent-hooks.ts";
import { Approvals } from "./approvals/approvals.ts";
import { ToolPins } from "./approvals/tool-pins.ts";
import { Git } from "./git/git.ts";
import { Installer } from "./installer/installer.ts";
import { Updater } from "./installer/updater.ts";
import { AgentTests } from "./installer/agent-test.ts";
import { Registries } from "./registry/registries.ts";
import { unapprovableHere } from "./sandbox/approve-check.ts";
import { ClientTokens } from "./client-tokens/client-tokens.ts";
import { Metrics } from "./metrics/metrics.ts";
import { RetentionService } from "./retention/retention.ts";

export interface Services {
  config: Config;
  clock: Clock;
  store: OpenedDb;
  events: EventBus;
  audit: AuditLog;
  catalog: Catalog;
  search: CatalogSearch;
  discovery: Discovery;
  /** Hardened git (every git call of the core goes through it). */
  git: Git;
  registries: Registries;
  installer: Installer;
  updater: Updater;
  /** `agents test`: the agent's own `mix test`, confirmed, sandboxed, recorded. */
  agentTests: AgentTests;
  approvals: Approvals;
  /** Pinned tool surfaces (what the operator approved an agent's tools to be). */
  toolPins: ToolPins;
  /** The runtime registers here to stop agents that are disabled, updated or uninstalled. */
  agentHooks: AgentHooks;
  /** Scoped tokens of MCP clients. */
  clientTokens: ClientTokens;
  /** Tool call, agent and daemon metrics (src/core/metrics); rollups in the catalog. */
  metrics: Metrics;
  /** Bounded storage: prunes audit rows, chat history, rotated agent logs (the daemon runs it on a timer). */
  retention: RetentionService;
  close(): void;
}

export function createServices(config: Config, clock: Clock = systemClock): Services {
  const store = openDb(config.paths.db);
  const events = new EventBus();
  const audit = new AuditLog(store.sqlite, store.db, clock, (e: AuditEvent) => events.emit({ type: "audit", event: e }));
  const catalog = new Catalog(store.sqlite, store.db, clock);
  const search = new CatalogSearch(store.sqlite);
  const discovery = new Discovery(catalog, audit, clock, config.limits, () => config.scanRoots, config.paths.agentsDir);
  const git = new Git({ home: toolchainDirs(config.paths).home, timeoutMs: config.limits.git_timeout_ms });
  const agentHooks = new AgentHooks((agentId, reason, error, kind) =>
    audit.record({ actor: "system", action: `agent.${kind}_hook`, outcome: "error", agentId, details: { reason, error } }),
  );
  const registries = new Registries({ catalog, audit, events, clock, git, paths: config.paths, limits: config.limits, allowLocalSources: config.allowLocalSources, hooks: agentHooks });
  const installer = new Installer({ catalog, audit, events, clock, git, paths: config.paths, limits: config.limits, hooks: agentHooks, allowLocalSources: config.allowLocalSources, sdkPath: () => sdkPath(config.paths), sandbox: config.sandbox });
  const updater = new Updater(installer);
  const metrics = new Metrics({ sqlite: store.sqlite, clock, events, retentionDays: config.retention.metrics_max_age_days });
  search.setReliabilitySource(metricsReliability(metrics)); // observed tool-call failures lower an agent's search rank
  const toolPins = new ToolPins({ sqlite: store.sqlite, audit, clock });
  const approvals = new Approvals({ catalog, audit, events, clock, hooks: agentHooks, pins: toolPins, unapprovable: (p) => unapprovableHere(p, config.paths.home) });
  return {
    config,
    clock,
    store,
    events,
    audit,
    catalog,
    search,
    discovery,
    git,
    registries,
    installer,
    updater,
    agentTests: new AgentTests(installer.ctx),
    approvals,
    toolPins,
    agentHooks,
    clientTokens: new ClientTokens({ sqlite: store.sqlite, audit, clock }),
    metrics,
    retention: new RetentionService({ sqlite: store.sqlite, audit, clock, settings: config.retention, agentLogsDir: `${config.paths.logsDir}/agents` }),
    close: () => {
      audit.flush(); // queued per-call events are written before the catalog closes
      metrics.stop(); // and the last minute's rollups
      store.close();
    },
  };
}
