import { expect, test } from "bun:test";
import { parseScope, scopeAllows, scopeCoversAgent } from "./scope.ts";

test("parse: trimmed, deduplicated, sorted; bad patterns are named", () => {
  expect(parseScope(" com.y.other/read, com.x.agent/*,com.x.agent/* ")).toEqual(["com.x.agent/*", "com.y.other/read"]);
  expect(parseScope(["*"])).toEqual(["*"]);
  for (const bad of ["", ",", "com.x", "com.x/", "/read", "Com.X/read", "com.x/Read", "com.x/re-ad", "com.x/*/y", "com.x/**", "x/read", "*/read"]) {
    expect(() => parseScope(bad)).toThrow();
  }
  expect(() => parseScope("com.x/Read")).toThrow(/'Read' is not a tool name/);
});

test("match: exact tool, every tool of an agent, everything; never a prefix of another agent", () => {
  const s = parseScope("com.x.agent/*,com.y.other/read");
  expect(scopeAllows(s, "com.x.agent/anything")).toBe(true);
  expect(scopeAllows(s, "com.y.other/read")).toBe(true);
  expect(scopeAllows(s, "com.y.other/write")).toBe(false);
  expect(scopeAllows(s, "com.x.agent2/anything")).toBe(false);
  expect(scopeAllows(s, "com.x/agent")).toBe(false);
  expect(scopeAllows(s, "no-slash")).toBe(false);
  expect(scopeAllows(["*"], "com.z.q/t")).toBe(true);
});

test("covers agent: any pattern naming it, or *", () => {
  const s = parseScope("com.x.agent/*,com.y.other/read");
  expect(scopeCoversAgent(s, "com.x.agent")).toBe(true);
  expect(scopeCoversAgent(s, "com.y.other")).toBe(true);
  expect(scopeCoversAgent(s, "com.y")).toBe(false);
  expect(scopeCoversAgent(["*"], "a.b")).toBe(true);
});
