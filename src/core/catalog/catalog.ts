import type { Database } from "bun:sqlite";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/open.ts";
import { agents, approvals, installs } from "../../db/schema.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";
import { parseStoredManifest } from "../manifest/stored-manifest.ts";
import { EFFECTIVE_STATUS_SQL, rowToSummary, SELECT_COLUMNS, type SummaryRow } from "../search/search.ts";
import type { ListingValues } from "./listing.ts";
import { type AgentRef, resolveAgentRef, unknownAgent } from "./resolve.ts";
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
  /** Validated installed manifests by agent id, each with the exact JSON it came from. */
  private readonly manifests = new Map<string, { json: string; manifest: Manifest | null }>();
  private readonly manifestJsonQuery;

  constructor(
    readonly sqlite: Database,
    readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.manifestJsonQuery = sqlite.query<{ manifest_json: string | null }, [string]>("SELECT manifest_json FROM installs WHERE agent_id = ?");
  }

  /**
   * The manifest an installed agent was built from, checked against the
   * manifest schema; null when the agent is not installed or its stored
   * manifest is missing or unusable. The one way core code reads
   * `installs.manifest_json`. Called on hot paths (tool registration, chat
   * targets, status), so the parse is cached per agent and reused while the
   * stored JSON string is unchanged; a changed row (update, reinstall, another
   * process) is re-validated on the next call. The result is frozen and shared.
   */
  installedManifest(agentId: string): Manifest | null {
    const json = this.manifestJsonQuery.get(agentId)?.manifest_json ?? null;
    if (json === null) {
      this.manifests.delete(agentId);
      return null;
    }
    const hit = this.manifests.get(agentId);
    if (hit && hit.json === json) return hit.manifest;
    const manifest = parseStoredManifest(json);
    this.manifests.set(agentId, { json, manifest });
    return manifest;
  }

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

  /** Every agent id the catalog knows (listings and installs), with its listings' names. */
  agentRefs(): AgentRef[] {
    return this.sqlite
      .query<AgentRef, []>("SELECT agent_id AS id, name FROM agents WHERE agent_id IS NOT NULL UNION SELECT agent_id AS id, NULL AS name FROM installs")
      .all();
  }

  /**
   * The full agent id a user typed: an id or listing key as is, else a unique
   * short name (last id segment or name). Ambiguous → `usage` listing the
   * candidates; unknown → `not_found` with "did you mean".
   */
  resolveAgentId(input: string): string {
    const known = this.sqlite.query<{ one: number }, [string]>("SELECT 1 AS one FROM agents WHERE agent_id = ?1 OR key = ?1 UNION ALL SELECT 1 FROM installs WHERE agent_id = ?1 LIMIT 1").get(input);
    return known ? input : resolveAgentRef(input, this.agentRefs());
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
      throw unknownAgent(idOrKey, this.agentRefs());
    }
    const r = rows[0]!;
    const summary = rowToSummary(r);
    const manifest = r.manifest_json ? (JSON.parse(r.manifest_json) as Record<string, unknown>) : null;
    // A copy: the cached manifest is shared and frozen, the detail is the caller's to change.
    const installed = install ? this.installedManifest(install.agentId) : null;
    const installManifest: Record<string, unknown> | null = installed ? structuredClone(installed) : null;
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
    const m = this.installedManifest(install.agentId);
    const info = toInstallInfo(install);
    return {
      key: `install:${id}`,
      id,
      name: m?.name || id,
      version: m?.version ?? "",
      description: m?.description ?? "",
      source: install.source,
      registry: install.registryName,
      status: install.devMode && install.state === "installed" ? "local_dev" : install.state,
      enabled: install.enabled,
      verification: null,
      trustScore: null,
      deprecated: false,
      yanked: null,
      quarantine: info.quarantine && !info.quarantine.overriddenAt ? info.quarantine.reason : null,
      capabilities: [...(m?.capabilities ?? [])],
      integrationPoints: [...(m?.integration_points ?? [])],
      path: install.installPath,
      duplicateOf: null,
      errors: [],
      manifest: m ? structuredClone(m) : {},
      permissionsRequested: [...(m?.permissions ?? [])],
      approvals: this.approvalsFor(id),
      install: info,
      gitUrl: install.gitUrl,
      ref: install.ref,
      pinnedCommit: install.commitSha,
      manifestSha256: null,
      manifestMtimeMs: null,
      publisher: null,
      replacementId: null,
      toolSummary: m?.tool_summary.map((t) => ({ ...t })) ?? [],
      keywords: [...(m?.keywords ?? [])],
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
    quarantine: i.quarantineReason
      ? { reason: i.quarantineReason, at: i.quarantinedAt, overriddenAt: i.yankOverrideReason === i.quarantineReason ? i.yankOverrideAt : null }
      : null,
  };
}

export { EFFECTIVE_STATUS_SQL };
