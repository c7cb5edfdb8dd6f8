/**
 * Catalog queries: FTS5 full-text search plus structured filters, one SQL
 * statement each (plus a capped count). Ranking is deterministic: bm25 (weighted), then name, then id.
 */
import type { Database } from "bun:sqlite";
import { AppError } from "../errors.ts";
import { AGENT_STATUS_VALUES, type AgentStatus, type AgentSummary } from "../catalog/types.ts";

export interface SearchFilter {
  query?: string;
  capability?: string;
  integration?: string;
  status?: AgentStatus;
  verification?: string;
  minTrust?: number;
  source?: "local" | "remote";
  limit?: number;
  offset?: number;
}

export interface SearchPage {
  /** Matching agents; a lower bound when `totalCapped` (counting stops past COUNT_CAP or the page's end). */
  total: number;
  totalCapped: boolean;
  limit: number;
  offset: number;
  agents: AgentSummary[];
}

/** Effective status: install state wins over the listing's own status. */
export const EFFECTIVE_STATUS_SQL = `CASE
  WHEN i.state = 'installed' AND i.dev_mode = 1 THEN 'local_dev'
  WHEN i.state IS NOT NULL THEN i.state
  ELSE a.status END`;

const SELECT_COLUMNS = `a.key, a.agent_id, a.name, a.version, a.description, a.source, a.registry_name,
  ${EFFECTIVE_STATUS_SQL} AS eff_status, coalesce(i.enabled, 0) AS enabled, a.verification, a.trust_score,
  a.deprecated, a.capabilities_json, a.integration_points_json, a.path, a.duplicate_of, a.errors_json, a.replacement_id, a.yanked_reason,
  CASE WHEN i.quarantine_reason IS NOT NULL AND i.yank_override_reason IS NOT i.quarantine_reason THEN i.quarantine_reason END AS quarantine`;

export interface SummaryRow {
  key: string;
  agent_id: string | null;
  name: string;
  version: string;
  description: string;
  source: "local" | "remote";
  registry_name: string | null;
  eff_status: AgentStatus;
  enabled: number;
  verification: string | null;
  trust_score: number | null;
  deprecated: number;
  capabilities_json: string;
  integration_points_json: string;
  path: string | null;
  duplicate_of: string | null;
  errors_json: string;
  replacement_id: string | null;
  yanked_reason: string | null;
  quarantine: string | null;
}

export function rowToSummary(r: SummaryRow): AgentSummary {
  return {
    key: r.key,
    id: r.agent_id,
    name: r.name,
    version: r.version,
    description: r.description,
    source: r.source,
    registry: r.registry_name,
    status: r.eff_status,
    enabled: r.enabled === 1,
    verification: r.verification,
    trustScore: r.trust_score,
    deprecated: r.deprecated === 1,
    replacementId: r.replacement_id,
    yanked: r.yanked_reason,
    quarantine: r.quarantine,
    capabilities: safeArray(r.capabilities_json),
    integrationPoints: safeArray(r.integration_points_json),
    path: r.path,
    duplicateOf: r.duplicate_of,
    errors: safeArray(r.errors_json),
  };
}

function safeArray<T = string>(json: string): T[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

/**
 * Builds an FTS5 MATCH expression from free text. Every word becomes a quoted
 * prefix term, so user input can never inject FTS syntax (NEAR, column filters …).
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 16);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(" AND ");
}

/**
 * Counts stop here: counting every one of tens of thousands of hits costs more
 * than the page itself. A capped total is a lower bound (`totalCapped`), shown
 * as "1,000+". A page beyond the cap still counts up to its own end.
 */
export const COUNT_CAP = 1000;

/** Statuses that only a listing has: no install state maps to them, so they are exactly `no install AND a.status = X`. */
const LISTING_ONLY_STATUSES: ReadonlySet<string> = new Set(["local_uninstalled", "available", "invalid", "missing"]);

export class CatalogSearch {
  constructor(private readonly sqlite: Database) {}

  search(f: SearchFilter = {}): SearchPage {
    if (f.status && !AGENT_STATUS_VALUES.includes(f.status)) {
      throw new AppError("invalid_argument", `unknown status '${f.status}' (one of ${AGENT_STATUS_VALUES.join(", ")})`);
    }
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 50), 1), 1000);
    const offset = Math.max(Math.trunc(f.offset ?? 0), 0);
    const match = f.query ? ftsQuery(f.query) : null;
    if (f.query && !match) return { total: 0, totalCapped: false, limit, offset, agents: [] };
    // Filters on the agent's own columns need its row; capability and integration use agent_tags (by pk) and do not.
    const needsRow = !!(f.status || f.verification || f.minTrust !== undefined || f.source);
    const pk = match ? "f.rowid" : "a.pk";
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (match) {
      where.push("agents_fts MATCH ?");
      params.push(match);
    }
    if (f.capability) {
      where.push(`EXISTS (SELECT 1 FROM agent_tags t WHERE t.tag = ? AND t.pk = ${pk})`);
      params.push(`c:${f.capability}`);
    }
    if (f.integration) {
      where.push(`EXISTS (SELECT 1 FROM agent_tags t WHERE t.tag = ? AND t.pk = ${pk})`);
      params.push(`i:${f.integration}`);
    }
    if (f.status) {
      where.push(`(${EFFECTIVE_STATUS_SQL}) = ?`);
      params.push(f.status);
      if (LISTING_ONLY_STATUSES.has(f.status)) {
        where.push("a.status = ?"); // implied by the line above; lets SQLite use agents_status
        params.push(f.status);
      }
    }
    if (f.verification) {
      where.push("a.verification = ?");
      params.push(f.verification);
    }
    if (f.minTrust !== undefined) {
      where.push("a.trust_score >= ?");
      params.push(f.minTrust);
    }
    if (f.source) {
      where.push("a.source = ?");
      params.push(f.source);
    }
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // installs is keyed by agent_id, so its LEFT JOIN never changes which rows match: only the status filter reads it.
    const installs = f.status ? " LEFT JOIN installs i ON i.agent_id = a.agent_id" : "";
    // agents_filter_cols (migration 0005) holds every column the filters read, keyed by pk: far cheaper per hit than the row.
    const from = match ? (needsRow ? `agents_fts f JOIN agents a INDEXED BY agents_filter_cols ON a.pk = f.rowid${installs}` : "agents_fts f") : `agents a${installs}`;
    const byName = "a.name COLLATE NOCASE, a.agent_id, a.key";

    // Total: exact for the plain list (count(*) reads the narrowest index), else capped.
    let total: number;
    let totalCapped = false;
    if (!match && where.length === 0) {
      total = this.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM agents").get()?.n ?? 0;
    } else {
      const cap = Math.max(COUNT_CAP, offset + limit);
      total = this.sqlite.query<{ n: number }, Array<string | number>>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${whereSql} LIMIT ?)`).get(...params, cap + 1)?.n ?? 0;
      if (total > cap) {
        total = cap;
        totalCapped = true;
      }
    }
    if (offset >= total && !totalCapped) return { total, totalCapped, limit, offset, agents: [] };

    let rows: SummaryRow[];
    if (match) {
      // Rank in the FTS index alone (rowid, bm25), then read agents rows only for the hits that can be on
      // this page: those ranked no worse than the page's last one (ties included, so name still breaks them).
      const rank = "bm25(agents_fts, 5.0, 10.0, 2.0, 5.0, 1.0)"; // column weights: agent_id, name, description, keywords, tool_summary
      rows = this.sqlite
        .query<SummaryRow, Array<string | number>>(
          `WITH m AS MATERIALIZED (SELECT ${pk} AS pk, ${rank} AS r FROM ${from} ${whereSql}),
           t AS (SELECT r FROM m ORDER BY r LIMIT 1 OFFSET ?)
           SELECT ${SELECT_COLUMNS} FROM m JOIN agents a ON a.pk = m.pk LEFT JOIN installs i ON i.agent_id = a.agent_id
           WHERE m.r <= coalesce((SELECT r FROM t), 1e308)
           ORDER BY m.r, ${byName} LIMIT ? OFFSET ?`,
        )
        .all(...params, offset + limit - 1, limit, offset);
    } else {
      // Deferred join: page on the name index (pk only), then fetch the page's full rows.
      const page = `SELECT a.pk AS pk FROM ${from} ${whereSql} ORDER BY ${byName} LIMIT ? OFFSET ?`;
      rows = this.sqlite
        .query<SummaryRow, Array<string | number>>(
          `SELECT ${SELECT_COLUMNS} FROM (${page}) p JOIN agents a ON a.pk = p.pk LEFT JOIN installs i ON i.agent_id = a.agent_id ORDER BY ${byName}`,
        )
        .all(...params, limit, offset);
    }
    return { total, totalCapped, limit, offset, agents: rows.map(rowToSummary) };
  }
}

export { SELECT_COLUMNS };
