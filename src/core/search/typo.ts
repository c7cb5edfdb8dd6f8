/**
 * Typo tolerance: a query word that starts no word of the catalog ("slak") is
 * replaced by the catalog words within a small edit distance ("slack"). The
 * candidates come from a trigram index over the catalog's vocabulary
 * (migration 0006), are checked here with an edit distance, and must still be
 * in the full-text index (agents_fts_vocab). Only catalog text is read.
 */
import type { Database } from "bun:sqlite";

/** Words shorter than this are never corrected: too many words are one edit away from "git". */
export const MIN_TYPO_WORD = 4;
/** Corrections kept per word (closest first, then the most common). */
export const MAX_CORRECTIONS = 4;
/** A query word with at most this many longer forms is searched as those exact terms. */
export const MAX_FORMS = 8;
/** Trigram candidates read per word before the edit-distance check. */
const CANDIDATES = 200;

/** Edits allowed: one for short words, two from eight characters. */
export function maxEdits(word: string): number {
  return word.length >= 8 ? 2 : 1;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions),
 * giving up early past `max` (returns max + 1).
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[n]!, max + 1);
}

/** The form FTS5's unicode61 tokenizer (remove_diacritics 2) indexes a word in. */
function indexForm(word: string): string {
  return word.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

export class TypoCorrector {
  constructor(private readonly sqlite: Database) {}

  /**
   * True when some catalog word starts with `word` (what its prefix query needs). Asks search_terms, a plain
   * b-tree: agents_fts_vocab would count the documents of every word in the range (a long doclist read).
   */
  private startsAnyWord(word: string): boolean {
    const w = indexForm(word);
    return !!this.sqlite.query<{ one: number }, [string, string]>("SELECT 1 AS one FROM search_terms WHERE term >= ? AND term < ? LIMIT 1").get(w, `${w}\u{10ffff}`);
  }

  /**
   * Every catalog word starting with `word` (itself included), when there are at most MAX_FORMS: searching
   * them as exact terms, OR-ed, finds what the prefix term would, and FTS5 reads exact terms lazily where a
   * prefix term (past the 2- and 3-character prefix indexes) first merges its whole doclist. Null when
   * there are more, or search_terms may be incomplete (the marker term char(1), migration 0006), or for
   * words starting with "0" (the facet tokens' space).
   */
  forms(word: string): string[] | null {
    if (word.startsWith("0") || [...word].length < 3) return null;
    const w = indexForm(word);
    if (this.sqlite.query("SELECT 1 AS one FROM search_terms WHERE term = char(1)").get()) return null;
    const forms = this.sqlite
      .query<{ term: string }, [string, string, number]>("SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?")
      .all(w, `${w}\u{10ffff}`, MAX_FORMS + 1)
      .map((r) => r.term);
    return forms.length >= 1 && forms.length <= MAX_FORMS ? forms : null;
  }

  /** Documents an indexed word occurs in (0 when it is gone). */
  private documents(term: string): number {
    return this.sqlite.query<{ doc: number }, [string]>("SELECT doc FROM agents_fts_vocab WHERE term = ?").get(indexForm(term))?.doc ?? 0;
  }

  /**
   * Corrections for `word`, or null when it needs none (it starts some indexed
   * word, or is too short). An empty list: nothing close enough exists.
   */
  corrections(word: string): string[] | null {
    // Words without a letter (numbers, versions) are not corrected: search_terms holds no such words.
    if ([...word].length < MIN_TYPO_WORD || !/\p{L}/u.test(word) || this.startsAnyWord(word)) return null;
    const w = word.toLowerCase();
    const chars = [...w];
    const trigrams = new Set<string>();
    for (let i = 0; i + 3 <= chars.length; i++) trigrams.add(chars.slice(i, i + 3).join(""));
    const max = maxEdits(w);
    const match = [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(" OR ");
    const rows = this.sqlite
      .query<{ term: string }, [string, number, number, number]>(
        `SELECT s.term FROM search_terms_trigram g JOIN search_terms s ON s.id = g.rowid
         WHERE search_terms_trigram MATCH ? AND length(s.term) BETWEEN ? AND ? ORDER BY g.rank LIMIT ?`,
      )
      .all(match, chars.length - max, chars.length + max, CANDIDATES);
    const scored: Array<{ term: string; d: number; docs: number }> = [];
    for (const { term } of rows) {
      const d = editDistance(w, term, max);
      if (d > max) continue;
      const docs = this.documents(term);
      if (docs > 0) scored.push({ term, d, docs });
    }
    scored.sort((a, b) => a.d - b.d || b.docs - a.docs || (a.term < b.term ? -1 : 1));
    return scored.slice(0, MAX_CORRECTIONS).map((x) => x.term);
  }
}
