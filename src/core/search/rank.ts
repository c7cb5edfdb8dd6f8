/**
 * How full-text hits are ranked: text relevance (bm25 over weighted columns)
 * scaled by a trust boost (verification level and trust score, folded into
 * the hit's rowid tier by migration 0006) and by observed reliability.
 *
 *   score = bm25 × (1 + TRUST_WEIGHT × trust) × (1 − RELIABILITY_WEIGHT × errorRate)
 *
 * bm25 is negative (more negative = more relevant), so a lower score ranks
 * first; both factors are ≤ 1.25 and ≥ 0.5, so text relevance stays the main
 * signal and trust decides between comparable matches.
 */

/** bm25 column weights: agent_id, name, description, keywords, tool_summary, facets (filter tokens: none). */
export const BM25_SQL = "bm25(agents_fts, 5.0, 10.0, 2.0, 5.0, 1.0, 0.0)";

/** agents_fts rowid = tier × 2^40 + pk (migration 0006). */
export const TIER_SHIFT = 1099511627776;
export const TIERS = 10;
/** Largest boost a fully trusted listing gets over an unverified one with the same text. */
export const TRUST_WEIGHT = 0.25;
/** An agent whose calls all failed keeps half its score; one without observations is neutral. */
export const RELIABILITY_WEIGHT = 0.5;

/** pk of the listing behind an agents_fts rowid. */
export const pkOf = (rowid: string) => `(${rowid} % ${TIER_SHIFT})`;

/**
 * The trust boost of a hit from its rowid's tier: tier 0 (verified, trust 1)
 * → 1 + TRUST_WEIGHT, tier 10 (unverified, no trust score) → 1.
 */
export const boostOf = (rowid: string) => `(1.0 + ${TRUST_WEIGHT / TIERS} * (${TIERS} - (${rowid} / ${TIER_SHIFT})))`;

/**
 * The tier of a listing from its columns (must match migration 0006's
 * triggers): trust in [0, 1] = 0.6 × verification (verified 1, community 0.5)
 * + 0.4 × trust score (clamped; none = 0), in tenths, best first.
 */
export const tierSql = (a: string) =>
  `(${TIERS} - CAST(round(${TIERS} * (0.6 * (CASE ${a}.verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(${a}.trust_score, 0.0), 0.0), 1.0))) AS INTEGER))`;

/**
 * Observed reliability per agent, e.g. from tool-call metrics. Only agents
 * with an observation need to be listed; everyone else ranks as neutral.
 */
export interface ReliabilitySource {
  /** agent id → error rate in [0, 1] (1 = every call failed). */
  errorRates(): ReadonlyMap<string, number>;
}

/** JSON object of the clamped error rates (what the ranking SQL reads), or null when there are none. */
export function errorRatesJson(source: ReliabilitySource | undefined): string | null {
  if (!source) return null;
  const out: Record<string, number> = {};
  let any = false;
  for (const [id, rate] of source.errorRates()) {
    if (!Number.isFinite(rate) || rate <= 0) continue;
    out[id] = Math.min(rate, 1);
    any = true;
  }
  return any ? JSON.stringify(out) : null;
}
