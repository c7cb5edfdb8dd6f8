/** The `metrics` scope entry (issue 15): valid in a scope, and it never lets a token call a tool. */
import { expect, test } from "bun:test";
import { METRICS_SCOPE, parseScope, scopeAllows, scopeCoversAgent } from "./scope.ts";

test("metrics is a scope of its own: accepted, matches no tool and no agent", () => {
  expect(parseScope("metrics")).toEqual([METRICS_SCOPE]);
  expect(parseScope(["com.example.a/*", "metrics"])).toEqual(["com.example.a/*", "metrics"]);
  for (const tool of ["metrics/x", "com.example.a/metrics", "metric/s"]) expect(scopeAllows([METRICS_SCOPE], tool)).toBe(false);
  expect(scopeCoversAgent([METRICS_SCOPE], "metric")).toBe(false);
  expect(() => parseScope("metrics/*")).toThrow(/not an agent id/);
  expect(() => parseScope("Metrics")).toThrow(/must be AGENT_ID\/TOOL/);
});
