import { describe, expect, test } from "bun:test";
import { agentsTable, statusLabel } from "./format-agents.ts";
import { clean, keyValues, table, truncate } from "./output.ts";
import { closest } from "./suggest.ts";

describe("output helpers", () => {
  test("clean strips terminal control characters (ESC, BEL, C1)", () => {
    expect(clean("a\u001b[2Jb\u0007c\u009bd\ne")).toBe("a [2Jb c d e");
    expect(clean(null)).toBe("");
  });

  test("truncate", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });

  test("table aligns columns, truncates and cleans cells", () => {
    const t = table(["A", "B"], [["x\u001b", "1"], ["longer", "22222222"]], [4, 5]);
    expect(t.split("\n")).toEqual(["A     B", "x     1", "lon…  2222…"]);
  });

  test("keyValues aligns keys, shows - for empty and drops undefined", () => {
    expect(keyValues([["a", "x"], ["long", ""], ["gone", undefined], ["n", null]])).toBe("a     x\nlong  -\nn     -");
  });
});

describe("agent formatting", () => {
  test("statusLabel", () => {
    expect(statusLabel({ status: "installed", enabled: true, duplicateOf: "/x" })).toBe("installed,enabled,duplicate");
  });

  test("agentsTable: empty and paged", () => {
    expect(agentsTable({ total: 0, totalCapped: false, limit: 50, offset: 0, agents: [] })).toBe("No agents found.");
    const agent = {
      key: "k", id: "com.a.b", name: "N", version: "1.0.0", description: "d", source: "remote" as const, registry: "main",
      status: "available" as const, enabled: false, verification: null, trustScore: null, deprecated: false, replacementId: null, yanked: null, quarantine: null,
      capabilities: [], integrationPoints: [], path: null, duplicateOf: null, errors: [],
    };
    const t = agentsTable({ total: 10, totalCapped: false, limit: 1, offset: 3, agents: [agent] });
    expect(t).toContain("registry:main");
    expect(t).toEndWith("4-4 of 10 (use --offset/--limit)");
    expect(agentsTable({ total: 1000, totalCapped: true, limit: 1, offset: 0, agents: [agent] })).toEndWith("1-1 of 1,000+ (use --offset/--limit)");
  });
});

describe("closest (did-you-mean)", () => {
  test("finds near misses and gives up on far ones", () => {
    expect(closest("lst", ["list", "search"])).toBe("list");
    expect(closest("serach", ["list", "search"])).toBe("search");
    expect(closest("zzzzzz", ["list", "search"])).toBeNull();
    expect(closest("", [])).toBeNull();
  });
});
