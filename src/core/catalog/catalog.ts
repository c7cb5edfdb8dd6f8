import type { Database } from "bun:sqlite";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/open.ts";
import { agents, approvals, installs } from "../../db/schema.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import { EFFECTIVE_STATUS_SQL, rowToSummary, SELECT_COLUMNS, type SummaryRow } from "../search/search.ts";
import type { ListingValues } from "./listing.ts";
import type { AgentDetail, InstallInfo } from "./types.ts";

export interface LocalListingState {
  key: string;
  path: string | null;
  agentId: string | null;
  sha256: string | null;
  mtimeMs: number | null;
  size: number | null;
  status: string;
}

/** The catalog of listings plus read access to install/approval state for one agent. */
export class Catalog {
  constructor(
    readonly sqlite: Database,
    readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Runs `fn` in one IMMEDIATE transaction: readers see the old state until it commits. */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  localListings(): LocalListingState[] {
    return this.db
      .select({
        key: agents.key,
        path: agents.path,
        agentId: agents.agentId,
        sha256: agents.manifestSha256,
        mtimeMs: agents.manifestMtimeMs,
        size: agents.manifestSize,
        status: agents.status,
      })
      .from(agents)
      .where(eq(agents.source, "local"))
      .all();
  }

  upsertListing(values: ListingValues): void {
    const now = this.clock.iso();
    this.db
      .insert(agents)
      .values({ ...values, firstSeenAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: agents.key, set: { ...values, updatedAt: now } })
      .run();
  }

  setStatus(key: string, status: "missing" | "local_uninstalled" | "available" | "invalid"): void {
    this.db.update(agents).set({ status, updatedAt: this.clock.iso() }).where(eq(agents.key, key)).run();
  }

  setDuplicateOf(key: string, duplicateOf: string | null): void {
    this.db.update(agents).set({ duplicateOf }).where(eq(agents.key, key)).run();
  }

  deleteListing(key: string): void {
    this.db.delete(agents).where(eq(agents.key, key)).run();
  }

  /**
   * Looks an agent up by id (or by listing key). When several listings share the
   * id, prefers the one the install came from, then local, then remote by name.
   */
  get(idOrKey: string): AgentDetail {
    const rows = this.sqlite
      .query<SummaryRow & ListingDetailRow, [string, string]>(
        `SELECT ${SELECT_COLUMNS}, a.manifest_json, a.permissions_json, a.git_url, a.ref, a.pinned_commit, a.manifest_sha256,
           a.manifest_mtime_ms, a.publisher_json, a.replacement_id, a.tool_summary, a.keywords, a.first_seen_at, a.updated_at,
           i.source AS install_source, i.registry_name AS install_registry
         FROM agents a LEFT JOIN installs i ON i.agent_id = a.agent_id
         WHERE a.agent_id = ? OR a.key = ?
         ORDER BY (a.source = coalesce(i.source, 'local') AND coalesce(a.registry_name,'') = coalesce(i.registry_name, a.registry_name, '')) DESC,
                  a.duplicate_of IS NOT NULL, a.status = 'missing', a.source = 'remote', a.registry_name, a.path`,
      )
      .all(idOrKey, idOrKey);
    const install = this.installFor(rows[0]?.agent_id ?? idOrKey);
    if (rows.length === 0) {
      if (install) return this.detailFromInstallOnly(idOrKey, install);
      throw new AppError("not_found", `no agent '${idOrKey}' in the catalog (try: opensentience agents search ${JSON.stringify(idOrKey)})`);
    }
    const r = rows[0]!;
    const summary = rowToSummary(r);
    const manifest = r.manifest_json ? (JSON.parse(r.manifest_json) as Record<string, unknown>) : null;
    const installManifest = install?.manifestJson ? (JSON.parse(install.manifestJson) as Record<string, unknown>) : null;
    const effectiveManifest = installManifest ?? manifest;
    return {
      ...summary,
      manifest: effectiveManifest,
      permissionsRequested: Array.isArray(effectiveManifest?.permissions) ? (effectiveManifest.permissions as string[]) : JSON.parse(r.permissions_json),
      approvals: summary.id ? this.approvalsFor(summary.id) : [],
      install: install ? toInstallInfo(install) : null,
      gitUrl: r.git_url,
      ref: r.ref,
      pinnedCommit: r.pinned_commit,
      manifestSha256: r.manifest_sha256,
      manifestMtimeMs: r.manifest_mtime_ms,
      publisher: r.publisher_json ? JSON.parse(r.publisher_json) : null,
      replacementId: r.replacement_id,
      toolSummary: Array.isArray(manifest?.tool_summary) ? (manifest.tool_summary as AgentDetail["toolSummary"]) : [],
      keywords: Array.isArray(manifest?.keywords) ? (manifest.keywords as string[]) : r.keywords.split(" ").filter(Boolean),
      otherListings: rows.slice(1).map((o) => ({ key: o.key, source: o.source, registry: o.registry_name, status: o.eff_status, path: o.path })),
      firstSeenAt: r.first_seen_at,
      updatedAt: r.updated_at,
    };
  }

  installFor(agentId: string): typeof installs.$inferSelect | undefined {
    return this.db.select().from(installs).where(eq(installs.agentId, agentId)).get();
  }

  approvalsFor(agentId: string) {
    return this.db
      .select({ permission: approvals.permission, approvedAt: approvals.approvedAt, actor: approvals.actor })
      .from(approvals)
      .where(eq(approvals.agentId, agentId))
      .orderBy(approvals.permission)
      .all();
  }

  private detailFromInstallOnly(id: string, install: typeof installs.$inferSelect): AgentDetail {
    const m = install.manifestJson ? (JSON.parse(install.manifestJson) as Record<string, unknown>) : {};
    const str = (k: string) => (typeof m[k] === "string" ? (m[k] as string) : "");
    const info = toInstallInfo(install);
    return {
      key: `install:${id}`,
      id,
      name: str("name") || id,
      version: str("version"),
      description: str("description"),
      source: install.source,
      registry: install.registryName,
      status: install.devMode && install.state === "installed" ? "local_dev" : install.state,
      enabled: install.enabled,
      verification: null,
      trustScore: null,
      deprecated: false,
      capabilities: Array.isArray(m.capabilities) ? (m.capabilities as string[]) : [],
      integrationPoints: Array.isArray(m.integration_points) ? (m.integration_points as string[]) : [],
      path: install.installPath,
      duplicateOf: null,
      errors: [],
      manifest: m,
      permissionsRequested: Array.isArray(m.permissions) ? (m.permissions as string[]) : [],
      approvals: this.approvalsFor(id),
      install: info,
      gitUrl: install.gitUrl,
      ref: install.ref,
      pinnedCommit: install.commitSha,
      manifestSha256: null,
      manifestMtimeMs: null,
      publisher: null,
      replacementId: null,
      toolSummary: Array.isArray(m.tool_summary) ? (m.tool_summary as AgentDetail["toolSummary"]) : [],
      keywords: Array.isArray(m.keywords) ? (m.keywords as string[]) : [],
      otherListings: [],
      firstSeenAt: install.installedAt,
      updatedAt: install.updatedAt,
    };
  }
}

interface ListingDetailRow {
  manifest_json: string | null;
  permissions_json: string;
  git_url: string | null;
  ref: string | null;
  pinned_commit: string | null;
  manifest_sha256: string | null;
  manifest_mtime_ms: number | null;
  publisher_json: string | null;
  replacement_id: string | null;
  tool_summary: string;
  keywords: string;
  first_seen_at: string;
  updated_at: string;
  install_source: string | null;
  install_registry: string | null;
}

export function toInstallInfo(i: typeof installs.$inferSelect): InstallInfo {
  return {
    source: i.source,
    registry: i.registryName,
    gitUrl: i.gitUrl,
    ref: i.ref,
    commit: i.commitSha,
    installPath: i.installPath,
    state: i.state,
    enabled: i.enabled,
    devMode: i.devMode,
    buildLogPath: i.buildLogPath,
    lastError: i.lastError,
    installedAt: i.installedAt,
    updatedAt: i.updatedAt,
  };
}

export { EFFECTIVE_STATUS_SQL };
