import { describe, expect, test } from "bun:test";
import { parseExUnitSummary } from "./exunit-summary.ts";

describe("parseExUnitSummary", () => {
  test("the summary shapes ExUnit prints", () => {
    expect(parseExUnitSummary("5 tests, 0 failures")).toEqual({ tests: 5, failures: 0, skipped: 0 });
    expect(parseExUnitSummary("1 test, 1 failure")).toEqual({ tests: 1, failures: 1, skipped: 0 });
    expect(parseExUnitSummary("1 doctest, 3 tests, 2 failures, 1 excluded")).toEqual({ tests: 4, failures: 2, skipped: 1 });
    expect(parseExUnitSummary("2 properties, 4 tests, 0 failures, 1 skipped, 1 invalid")).toEqual({ tests: 6, failures: 0, skipped: 2 });
    expect(parseExUnitSummary("\x1b[32m3 tests, 0 failures\x1b[0m")).toEqual({ tests: 3, failures: 0, skipped: 0 });
  });

  test("anything else is not a summary", () => {
    expect(parseExUnitSummary("Finished in 0.03 seconds (0.00s async, 0.03s sync)")).toBeNull();
    expect(parseExUnitSummary("  assert 3 tests, 0 failures")).toBeNull();
    expect(parseExUnitSummary("** (CompileError) lib/x.ex:1: undefined function")).toBeNull();
    expect(parseExUnitSummary("")).toBeNull();
  });
});
