import { expect, test } from "bun:test";
import { isHashedName, MCP_NAME_PATTERN, mcpToolName, toolIdOfMcpName } from "./tool-names.ts";

test("readable names for ordinary ids", () => {
  expect(mcpToolName("com.opensentience.examples.echo/slow_count")).toBe("com_opensentience_examples_echo__slow_count");
  expect(mcpToolName("com.example.my_agent/read")).toBe("com_example_myUagent__read");
  expect(mcpToolName("io.x-y.z/t")).toBe("io_x-y_z__t");
});

test("reversible: decoding gives the id back; foreign names are refused", () => {
  for (const id of ["com.opensentience.examples.echo/slow_count", "com.example.my_agent/read", "a.b/c", "a__b.c_/d__e", "a.b_.c/x", "x-y._z/t_"]) {
    const name = mcpToolName(id);
    expect(name).toMatch(MCP_NAME_PATTERN);
    expect(toolIdOfMcpName(name)).toBe(id);
  }
  for (const bad of ["", "echo", "__echo", "com_x__", "com.x__y", "A_b__c", "com_x__Tool", "a b__c", "x".repeat(65), "com_x__y__z_"]) {
    const id = toolIdOfMcpName(bad);
    if (id !== null) expect(mcpToolName(id)).toBe(bad); // anything accepted round-trips
  }
  expect(toolIdOfMcpName("echo")).toBeNull();
  expect(toolIdOfMcpName("com.x__y")).toBeNull();
  expect(toolIdOfMcpName("A_b__c")).toBeNull();
});

test("random ids of the protocol's grammar round-trip and stay within the strict name rule", () => {
  const pick = (s: string) => s[Math.floor(Math.random() * s.length)]!;
  const seg = (first: string, n: number) => first + Array.from({ length: n }, () => pick("abcxyz019_-")).join("");
  for (let i = 0; i < 2000; i++) {
    const segs = Array.from({ length: 2 + Math.floor(Math.random() * 4) }, (_, k) => seg(k === 0 ? pick("abc") : pick("a0_-"), Math.floor(Math.random() * 12)));
    const tool = pick("abz") + Array.from({ length: Math.floor(Math.random() * 40) }, () => pick("az09_")).join("");
    const id = `${segs.join(".")}/${tool}`;
    const name = mcpToolName(id);
    expect(name).toMatch(MCP_NAME_PATTERN);
    expect(toolIdOfMcpName(name, [id])).toBe(id);
  }
});

test("long ids are cut with a hash suffix, resolved among known ids, and distinct", () => {
  const a = `com.example.${"very_long_segment.".repeat(4)}agent/a_tool_with_a_long_name`;
  const b = `com.example.${"very_long_segment.".repeat(4)}agent/a_tool_with_a_long_name2`;
  const na = mcpToolName(a);
  expect(na.length).toBe(64);
  expect(isHashedName(na)).toBe(true);
  expect(na).toMatch(MCP_NAME_PATTERN);
  expect(na).not.toBe(mcpToolName(b));
  expect(mcpToolName(a)).toBe(na); // stable
  expect(toolIdOfMcpName(na, ["x.y/z", b, a])).toBe(a);
  expect(toolIdOfMcpName(na, ["x.y/z"])).toBeNull();
});
