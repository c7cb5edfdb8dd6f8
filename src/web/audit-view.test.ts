import { expect, test } from "bun:test";
import { auditOutcome, compactJson, detailPairs, MAX_VALUE_CHARS } from "./audit-view.ts";

test("a call the caller canceled reads as canceled, other errors stay errors", () => {
  expect(auditOutcome({ outcome: "error", details: { error: "canceled", message: "canceled by the caller" } })).toEqual({ label: "canceled", tone: "neutral" });
  expect(auditOutcome({ outcome: "error", details: { error: "timeout" } })).toEqual({ label: "error", tone: "danger" });
  expect(auditOutcome({ outcome: "ok", details: { error: "canceled" } })).toEqual({ label: "ok", tone: "success" });
  expect(auditOutcome({ outcome: "denied", details: {} })).toEqual({ label: "denied", tone: "warning" });
});

test("details become key/value pairs; nested values compact, long ones cut", () => {
  const { pairs, more } = detailPairs({ tool: "a.b/echo", caller: { kind: "ui", session: null }, duration_ms: 12.5, arguments: { text: "string" }, note: "x".repeat(500) });
  expect(more).toBe(0);
  expect(pairs.map((p) => [p.key, p.value, p.nested])).toEqual([
    ["tool", "a.b/echo", false],
    ["caller", "{kind: \"ui\", session: null}", true],
    ["duration_ms", "12.5", false],
    ["arguments", "{text: \"string\"}", true],
    ["note", `${"x".repeat(MAX_VALUE_CHARS - 1)}…`, false],
  ]);
  expect(pairs[4]!.truncated).toBe(true);
  expect(detailPairs({}).pairs).toEqual([]);
});

test("odd keys stay quoted and deep nesting is cut, not recursed without bound", () => {
  expect(compactJson({ "a b": [1, "two", true] })).toBe('{"a b": [1, "two", true]}');
  let deep: unknown = 1;
  for (let i = 0; i < 5000; i++) deep = [deep];
  expect(compactJson(deep)).toBe("[[[[[[[…]]]]]]]"); // six levels shown, the seventh cut
});

test("more than 24 keys: the rest are counted", () => {
  const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
  const r = detailPairs(many);
  expect(r.pairs.length).toBe(24);
  expect(r.more).toBe(6);
});
