/**
 * Reads ExUnit's closing summary line from `mix test` output, e.g.
 * `1 doctest, 3 tests, 1 failure, 2 excluded` or `0 failures` with properties.
 * Counts are what ExUnit printed; null when no summary line was seen (the
 * project did not compile, or mix stopped before the tests ran).
 */
export interface TestCounts {
  /** Doctests, tests and properties together (ExUnit counts excluded and skipped ones in them). */
  tests: number;
  failures: number;
  /** Excluded, skipped and invalid together: counted, but did not pass or fail. */
  skipped: number;
}

const SUMMARY = /^(?:\d+ (?:doctests?|tests?|propert(?:y|ies))(?:, )?)+, \d+ failures?(?:, \d+ (?:excluded|skipped|invalid))*\b/;

export function parseExUnitSummary(line: string): TestCounts | null {
  const text = line.replace(/\x1b\[[0-9;]*m/g, "").trim(); // ANSI colours, when a terminal was assumed
  const m = SUMMARY.exec(text);
  if (!m) return null;
  const count = (re: RegExp) => [...m[0].matchAll(re)].reduce((n, x) => n + Number(x[1]), 0);
  return {
    tests: count(/(\d+) (?:doctests?|tests?|propert(?:y|ies))\b/g),
    failures: count(/(\d+) failures?\b/g),
    skipped: count(/(\d+) (?:excluded|skipped|invalid)\b/g),
  };
}
