/**
 * Catalog queries: FTS5 full-text search plus structured filters, one SQL
 * statement each (plus a capped count). Ranking (src/core/search/rank.ts) is
 * deterministic: text relevance × trust × reliability, then name, then id.
 * Query words that match nothing are corrected for typos (typo.ts).
 */
import type { Database } from "bun:sqlite";
import { AppError } from "../errors.ts";
import { AGENT_STATUS_VALUES, type AgentStatus, type AgentSummary } from "../catalog/types.ts";
import { BM25_SQL, boostOf, errorRatesJson, pkOf, RELIABILITY_WEIGHT, type ReliabilitySource, TIER_SHIFT, tierSql } from "./rank.ts";
import { TypoCorrector } from "./typo.ts";

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

/** The words of a free-text query as searched: NFKC, lower case, letters and digits only, at most 16. */
export function queryWords(text: string): string[] {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 16);
}

const quote = (w: string) => `"${w.replaceAll('"', '""')}"`;

/** How one query word is searched: corrections to add, or the exact terms that match what its prefix would. */
export interface WordPlan {
  alternatives?: string[];
  /** Every catalog word it starts (itself included): searched as these exact terms instead of the prefix. */
  forms?: string[];
}

/**
 * Builds an FTS5 MATCH expression from free text. Every word becomes a quoted
 * prefix term, so user input can never inject FTS syntax (NEAR, column filters …).
 * `plan` may add corrections (`("slak"* OR "slack")`) or spell out a prefix's words (`("review" OR "reviews")`).
 */
export function ftsQuery(text: string, plan?: (word: string) => WordPlan | null): string | null {
  const words = queryWords(text);
  if (words.length === 0) return null;
  return words
    .map((w) => {
      const p = plan?.(w);
      if (p?.forms?.length) return p.forms.length === 1 ? quote(p.forms[0]!) : `(${p.forms.map(quote).join(" OR ")})`;
      const term = `${quote(w)}*`;
      return p?.alternatives?.length ? `(${[term, ...p.alternatives.map(quote)].join(" OR ")})` : term;
    })
    .join(" AND ");
}

/**
 * Counts stop here: counting every one of tens of thousands of hits costs more
 * than the page itself. A capped total is a lower bound (`totalCapped`), shown
 * as "1,000+". A page beyond the cap still counts up to its own end.
 */
export const COUNT_CAP = 1000;

/**
 * Full-text hits ranked per page: the first this many (or the page's end) in
 * rowid order, i.e. the most trusted first (migration 0006). Every hit when
 * there are fewer; beyond, scoring each hit (bm25 reads its positions) would
 * cost more than everything else together.
 */
export const RANK_WINDOW = 400;

/** Facet doclists this long (a share of all agents) cost bm25 more than walking the text hits twice (see search()). */
const APART_MIN_SHARE = 0.3;

export interface SearchOptions {
  /** Observed reliability (error rates) as a ranking input; without it every agent is neutral. */
  reliability?: ReliabilitySource;
}

/** The searchable text columns of agents_fts (its `facets` column holds filter tokens). */
const TEXT_COLUMNS = "agent_id name description keywords tool_summary";

/** A facet token of migration 0006: kind letter + hex of the UTF-8 value, lower case. */
export const facetToken = (kind: "c" | "i" | "s" | "o" | "v", value: string) => `0f${kind}${Buffer.from(value, "utf8").toString("hex")}`;

/** The facet tokens of the exact filters a facet answers, one group per filter (a group's tokens are OR-ed). */
function facetGroups(f: SearchFilter): string[][] {
  const out: string[][] = [];
  if (f.capability) out.push([facetToken("c", f.capability)]);
  if (f.integration) out.push([facetToken("i", f.integration)]);
  if (f.verification) out.push([facetToken("v", f.verification)]);
  if (f.source) out.push([facetToken("o", f.source)]);
  if (f.status && LISTING_ONLY_STATUSES.has(f.status)) out.push([facetToken("s", f.status)]);
  const tenth = trustTenth(f.minTrust);
  if (tenth !== null) out.push(Array.from({ length: 11 - tenth }, (_, i) => `0ft${tenth + i}`));
  return out;
}

/** FTS terms for the exact filters a facet answers; the effective status still checks installs (see search()). */
function facetTerms(f: SearchFilter): string[] {
  return facetGroups(f).map((g) => (g.length === 1 ? `{facets}: "${g[0]}"` : `{facets}: (${g.map((t) => `"${t}"`).join(" OR ")})`));
}

/**
 * k when a min-trust filter is exactly k/10 (0..10): the '0ft' facets (migration 0006) hold each trust score's
 * tenth by the same `trust_score >= k/10` comparisons, so the filter is those facets alone; else null (the row decides).
 */
function trustTenth(minTrust: number | undefined): number | null {
  if (minTrust === undefined) return null;
  const k = Math.round(minTrust * 10);
  return k >= 0 && k <= 10 && k / 10 === minTrust ? k : null;
}

/** Statuses that only a listing has: no install state maps to them, so they are exactly `no install AND a.status = X`. */
const LISTING_ONLY_STATUSES: ReadonlySet<string> = new Set(["local_uninstalled", "available", "invalid", "missing"]);

/** Every this many agents in name order, the unfiltered list remembers where it is (see ListMarks). */
export const LIST_STRIDE = 1000;

interface Mark {
  name: string;
  agentId: string | null;
  key: string;
}

/**
 * The unfiltered list's exact total and its position every LIST_STRIDE agents
 * in name order, valid while the catalog is unchanged: `version` is SQLite's
 * data_version (commits by other connections) and this connection's
 * total_changes(). A page at offset 90,000 then seeks to mark 90 instead of
 * stepping over 90,000 index entries.
 */
interface ListMarks {
  version: string;
  total: number;
  marks: Mark[];
}

/** Rows after `mark` in (name NOCASE, agent_id, key) order, written so SQLite still walks agents_name_nocase from the name. */
const AFTER_MARK = `a.name COLLATE NOCASE >= ?1 AND (a.name COLLATE NOCASE > ?1 OR
  (CASE WHEN ?2 IS NULL THEN (a.agent_id IS NOT NULL OR a.key > ?3) ELSE (a.agent_id > ?2 OR (a.agent_id = ?2 AND a.key > ?3)) END))`;

export class CatalogSearch {
  private readonly typos: TypoCorrector;
  private reliability: ReliabilitySource | undefined;
  private list: ListMarks | null = null;
  /** Documents per facet token, for the catalog version they were read at (see facetCost). */
  private facetDocs: { version: string; docs: Map<string, number> } | null = null;

  constructor(
    private readonly sqlite: Database,
    options: SearchOptions = {},
  ) {
    this.typos = new TypoCorrector(sqlite);
    this.reliability = options.reliability;
  }

  /** Plugs in (or removes) the reliability ranking input, e.g. once metrics run. */
  setReliabilitySource(source: ReliabilitySource | undefined): void {
    this.reliability = source;
  }

  private catalogVersion(): string {
    const r = this.sqlite.query<{ v: number; c: number }, []>("SELECT (SELECT data_version FROM pragma_data_version) AS v, total_changes() AS c").get()!;
    return `${r.v}:${r.c}`;
  }

  /** The unfiltered list's marks, current and extended far enough for `offset`. */
  private listMarks(offset: number): ListMarks {
    const version = this.catalogVersion();
    if (this.list?.version !== version) {
      const total = this.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM agents").get()?.n ?? 0;
      this.list = { version, total, marks: [] };
    }
    const list = this.list;
    const want = Math.min(Math.floor(offset / LIST_STRIDE), Math.floor((list.total - 1) / LIST_STRIDE));
    const byName = "a.name COLLATE NOCASE, a.agent_id, a.key";
    while (list.marks.length < want) {
      const prev = list.marks[list.marks.length - 1];
      const row = prev
        ? this.sqlite.query<Mark, [string, string | null, string, number]>(`SELECT a.name AS name, a.agent_id AS agentId, a.key AS key FROM agents a WHERE ${AFTER_MARK} ORDER BY ${byName} LIMIT 1 OFFSET ?4`).get(prev.name, prev.agentId, prev.key, LIST_STRIDE - 1)
        : this.sqlite.query<Mark, [number]>(`SELECT a.name AS name, a.agent_id AS agentId, a.key AS key FROM agents a ORDER BY ${byName} LIMIT 1 OFFSET ?`).get(LIST_STRIDE - 1);
      if (!row) break;
      list.marks.push(row);
    }
    return list;
  }

  /**
   * How selective facet filters are: the share of agents all groups keep (taken as independent) and the
   * documents of their tokens (what bm25 would read for them). Counts are cached while the catalog is unchanged.
   */
  private facetCost(groups: string[][]): { share: number; docs: number; agents: number } {
    const version = this.catalogVersion();
    if (this.facetDocs?.version !== version) this.facetDocs = { version, docs: new Map() };
    const cache = this.facetDocs;
    const agents = this.listMarks(0).total;
    let share = 1;
    let docs = 0;
    for (const group of groups) {
      let n = 0;
      for (const token of group) {
        let d = cache.docs.get(token);
        if (d === undefined) {
          d = this.sqlite.query<{ doc: number }, [string]>("SELECT doc FROM agents_fts_vocab WHERE term = ?").get(token)?.doc ?? 0;
          cache.docs.set(token, d);
        }
        n += d;
      }
      share *= agents > 0 ? Math.min(n / agents, 1) : 0;
      docs += n;
    }
    return { share, docs, agents };
  }

  /** The capability/integration filters' agent_tags values, the one with fewer agents (the one to start from) first. */
  private tagsByRarity(f: SearchFilter): string[] {
    const tags = [f.capability ? `c:${f.capability}` : null, f.integration ? `i:${f.integration}` : null].filter((t): t is string => t !== null);
    if (tags.length < 2) return tags;
    const size = (tag: string) => this.sqlite.query<{ n: number }, [string]>("SELECT count(*) AS n FROM (SELECT 1 FROM agent_tags WHERE tag = ? LIMIT 20000)").get(tag)?.n ?? 0;
    return size(tags[1]!) < size(tags[0]!) ? [tags[1]!, tags[0]!] : tags;
  }

  search(f: SearchFilter = {}): SearchPage {
    if (f.status && !AGENT_STATUS_VALUES.includes(f.status)) {
      throw new AppError("invalid_argument", `unknown status '${f.status}' (one of ${AGENT_STATUS_VALUES.join(", ")})`);
    }
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 50), 1), 1000);
    const offset = Math.max(Math.trunc(f.offset ?? 0), 0);
    const text = f.query
      ? ftsQuery(f.query, (w) => {
          const alternatives = this.typos.corrections(w);
          return alternatives ? { alternatives } : { forms: this.typos.forms(w) ?? undefined };
        })
      : null;
    if (f.query && !text) return { total: 0, totalCapped: false, limit, offset, agents: [] };
    // With a query, exact filters are facet tokens intersected inside the index (migration 0006): no row per hit.
    // Facet tokens start with "0f": only a query word starting with "0" could match one, and only then is the
    // (per-hit costly) column filter needed to keep the words to the text columns.
    const textOnly = text && queryWords(f.query!).some((w) => w.startsWith("0")) ? `{${TEXT_COLUMNS}}: (${text})` : text;
    const match = textOnly ? [textOnly, ...facetTerms(f)].join(" AND ") : null;
    // With a query only these still read the row (through agents_filter_cols); without one every filter does.
    const trustFacet = !!match && trustTenth(f.minTrust) !== null;
    const needsRow = !!((f.minTrust !== undefined && !trustFacet) || (f.status && (!match || f.status === "local_dev")) || (!match && (f.verification || f.source)));
    const pk = match ? pkOf("f.rowid") : "a.pk";
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (match) {
      where.push("agents_fts MATCH ?");
      params.push(match);
    }
    if (f.capability && !match) {
      where.push(`EXISTS (SELECT 1 FROM agent_tags t WHERE t.tag = ? AND t.pk = ${pk})`);
      params.push(`c:${f.capability}`);
    }
    if (f.integration && !match) {
      where.push(`EXISTS (SELECT 1 FROM agent_tags t WHERE t.tag = ? AND t.pk = ${pk})`);
      params.push(`i:${f.integration}`);
    }
    if (f.status && match && f.status !== "local_dev") {
      // The few installed agents decide, as one small pk set: no row lookup per hit. A listing-only status
      // (its facet is in the MATCH) holds when the agent has no install; any other is an install state.
      // CROSS JOIN keeps SQLite from walking every agent to find the installs.
      if (LISTING_ONLY_STATUSES.has(f.status)) where.push(`${pk} NOT IN (SELECT ia.pk FROM installs i CROSS JOIN agents ia ON ia.agent_id = i.agent_id)`);
      else {
        // Only installed agents can match: look their index rows up by rowid instead of reading every hit.
        where.push(
          `f.rowid IN (SELECT ${tierSql("ia")} * ${TIER_SHIFT} + ia.pk FROM installs i CROSS JOIN agents ia ON ia.agent_id = i.agent_id WHERE (CASE WHEN i.state = 'installed' AND i.dev_mode = 1 THEN 'local_dev' ELSE i.state END) = ?)`,
        );
        params.push(f.status);
      }
    } else if (f.status) {
      where.push(`(${EFFECTIVE_STATUS_SQL}) = ?`);
      params.push(f.status);
      if (LISTING_ONLY_STATUSES.has(f.status) && !match) {
        where.push("a.status = ?"); // implied by the line above; lets SQLite use agents_status
        params.push(f.status);
      }
    }
    if (f.verification && !match) {
      where.push("a.verification = ?");
      params.push(f.verification);
    }
    if (f.minTrust !== undefined && !trustFacet) {
      where.push("a.trust_score >= ?");
      params.push(f.minTrust);
    }
    if (f.source && !match) {
      where.push("a.source = ?");
      params.push(f.source);
    }
    const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // installs is keyed by agent_id, so its LEFT JOIN never changes which rows match: only the status filter reads it.
    const installs = f.status && needsRow ? " LEFT JOIN installs i ON i.agent_id = a.agent_id" : "";
    // agents_filter_cols (migration 0005) holds every column the filters read, keyed by pk: far cheaper per hit than the row.
    const from = match ? (needsRow ? `agents_fts f JOIN agents a INDEXED BY agents_filter_cols ON a.pk = ${pk}${installs}` : "agents_fts f") : `agents a${installs}`;
    const byName = "a.name COLLATE NOCASE, a.agent_id, a.key";

    // Total: exact for the plain list (count(*) reads the narrowest index), else capped.
    let total = 0;
    let totalCapped = false;
    const plain = !match && where.length === 0;
    // Only capability/integration filters: agent_tags answers alone, starting from the tag (a rare tag would
    // otherwise walk the whole name index to find its few agents).
    const tagsOnly = !match && !needsRow && where.length > 0;
    const tags = tagsOnly ? this.tagsByRarity(f) : [];
    const tagCount = `agent_tags t0 WHERE t0.tag = ?${tags.length > 1 ? " AND EXISTS (SELECT 1 FROM agent_tags t1 WHERE t1.tag = ? AND t1.pk = t0.pk)" : ""}`;
    const cap = Math.max(COUNT_CAP, offset + limit);
    /** Rows of `from ... where` (only the full-text hits past `afterRowid` when given), counted up to `max`. */
    const countUpTo = (max: number, afterRowid?: number) =>
      afterRowid === undefined
        ? (this.sqlite.query<{ n: number }, Array<string | number>>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${whereSql} LIMIT ?)`).get(...params, max)?.n ?? 0)
        : (this.sqlite.query<{ n: number }, Array<string | number>>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${whereSql} AND f.rowid > ? LIMIT ?)`).get(...params, afterRowid, max)?.n ?? 0);
    if (!match) {
      if (plain) total = this.listMarks(offset).total;
      else
        total = tagsOnly
          ? (this.sqlite.query<{ n: number }, Array<string | number>>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${tagCount} LIMIT ?)`).get(...tags, cap + 1)?.n ?? 0)
          : countUpTo(cap + 1);
      if (total > cap && !plain) {
        total = cap;
        totalCapped = true;
      }
      if (offset >= total && !totalCapped) return { total, totalCapped, limit, offset, agents: [] };
    }

    let rows: SummaryRow[];
    if (match) {
      // Rank the first RANK_WINDOW hits (or up to the page's end) in rowid order (migration 0006: the most trusted
      // first): every hit of a narrow query; a broad one ranks a bounded window instead of scoring thousands.
      // Then read agents rows only for the hits that can be on this page: those scoring no worse than the
      // page's last one (ties included, so name still breaks them).
      const window = Math.max(RANK_WINDOW, offset + limit);
      const rates = errorRatesJson(this.reliability);
      const score = rates
        ? `m.r * ${boostOf("m.rid")} * (1.0 - ${RELIABILITY_WEIGHT} * coalesce((SELECT j.value FROM json_each(?) j WHERE j.key = r.agent_id), 0.0))`
        : `m.r * ${boostOf("m.rid")}`;
      const scored = rates
        ? `SELECT r.pk AS pk, ${score} AS score FROM m JOIN agents r INDEXED BY agents_filter_cols ON r.pk = ${pkOf("m.rid")}`
        : `SELECT ${pkOf("m.rid")} AS pk, ${score} AS score FROM m`;
      // The window's size and last rowid ride along on every row: a window that is not full holds every hit,
      // so the total needs no second MATCH; a full one is counted on from its last rowid.
      const page = `s AS MATERIALIZED (${scored}),
           t AS (SELECT score FROM s ORDER BY score LIMIT 1 OFFSET ?)
           SELECT ${SELECT_COLUMNS}, (SELECT count(*) FROM w) AS w_n, (SELECT max(rid) FROM w) AS w_last
           FROM s JOIN agents a ON a.pk = s.pk LEFT JOIN installs i ON i.agent_id = a.agent_id
           WHERE s.score <= coalesce((SELECT score FROM t), 1e308)
           ORDER BY s.score, ${byName} LIMIT ? OFFSET ?`;
      const tail = [...(rates ? [rates] : []), offset + limit - 1, limit, offset];
      type Ranked = SummaryRow & { w_n: number; w_last: number };
      // With facet filters in the MATCH, bm25 first reads each facet term's whole doclist (for its document count,
      // though facets weigh 0; "tools" is in 70% of agents). So when those doclists are long and the filters keep
      // a good share of the text hits, the window is found without scores, then scored by the text alone over
      // the window's rowid range: the same bm25, as facets add nothing to it. That walks the text hits a second
      // time, so a short facet doclist (under APART_MIN_SHARE of the agents), or a rare filter that spreads the
      // window over more text hits than its doclist holds, is cheaper scored together.
      const groups = facetGroups(f);
      const cost = groups.length ? this.facetCost(groups) : null;
      const apart = !!cost && cost.docs >= APART_MIN_SHARE * cost.agents && cost.share > 0 && window / cost.share < cost.docs;
      const ranked = apart
        ? this.sqlite
            .query<Ranked, Array<string | number>>(
              `WITH w AS MATERIALIZED (SELECT f.rowid AS rid FROM ${from} ${whereSql} ORDER BY f.rowid LIMIT ?),
               m AS MATERIALIZED (SELECT g.rowid AS rid, ${BM25_SQL} AS r FROM agents_fts g
                 WHERE agents_fts MATCH ? AND g.rowid >= (SELECT min(rid) FROM w) AND g.rowid <= (SELECT max(rid) FROM w) AND +g.rowid IN (SELECT rid FROM w)), ${page}`,
            )
            .all(...params, window, textOnly!, ...tail)
        : this.sqlite
            .query<Ranked, Array<string | number>>(`WITH m AS MATERIALIZED (SELECT f.rowid AS rid, ${BM25_SQL} AS r FROM ${from} ${whereSql} ORDER BY f.rowid LIMIT ?), w AS (SELECT rid FROM m), ${page}`)
            .all(...params, window, ...tail);
      const first = ranked[0];
      if (first && first.w_n < window) total = first.w_n;
      else if (first) total = window + countUpTo(cap + 1 - window, first.w_last);
      else total = offset === 0 ? 0 : countUpTo(cap + 1); // an empty page: no hits, or the offset is past them
      if (total > cap) {
        total = cap;
        totalCapped = true;
      }
      rows = ranked;
    } else if (plain && offset >= LIST_STRIDE) {
      // Seek to the nearest mark before the offset, then step over less than LIST_STRIDE entries.
      const marks = this.listMarks(offset).marks;
      const at = Math.min(Math.floor(offset / LIST_STRIDE), marks.length) - 1;
      const mark = marks[at];
      const page = mark
        ? `SELECT a.pk AS pk FROM agents a WHERE ${AFTER_MARK} ORDER BY ${byName} LIMIT ?4 OFFSET ?5`
        : `SELECT a.pk AS pk FROM agents a ORDER BY ${byName} LIMIT ?4 OFFSET ?5`;
      const skip = mark ? offset - (at + 1) * LIST_STRIDE : offset;
      rows = this.sqlite
        .query<SummaryRow, Array<string | number | null>>(
          `SELECT ${SELECT_COLUMNS} FROM (${page}) p JOIN agents a ON a.pk = p.pk LEFT JOIN installs i ON i.agent_id = a.agent_id ORDER BY ${byName}`,
        )
        .all(mark?.name ?? null, mark?.agentId ?? null, mark?.key ?? null, limit, skip);
    } else {
      // Deferred join: page on the name index (pk only), then fetch the page's full rows. A tag with few agents
      // (all counted) sorts just those; a common one walks the name index, where its agents are dense.
      const fewTagged = tagsOnly && !totalCapped;
      const page = fewTagged
        ? `SELECT a.pk AS pk FROM agents a WHERE a.pk IN (SELECT t0.pk FROM ${tagCount}) ORDER BY ${byName} LIMIT ? OFFSET ?`
        : `SELECT a.pk AS pk FROM ${from} ${whereSql} ORDER BY ${byName} LIMIT ? OFFSET ?`;
      rows = this.sqlite
        .query<SummaryRow, Array<string | number>>(
          `SELECT ${SELECT_COLUMNS} FROM (${page}) p JOIN agents a ON a.pk = p.pk LEFT JOIN installs i ON i.agent_id = a.agent_id ORDER BY ${byName}`,
        )
        .all(...(fewTagged ? tags : params), limit, offset);
    }
    return { total, totalCapped, limit, offset, agents: rows.map(rowToSummary) };
  }
}

export { SELECT_COLUMNS };
