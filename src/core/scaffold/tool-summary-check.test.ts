import { expect, test } from "bun:test";
import { compareToolSummary, ToolListing } from "./tool-summary-check.ts";

test("compare: matches in any order; names every missing and extra tool", () => {
  expect(compareToolSummary(["b", "a"], ["a", "b"], "MyAgent")).toEqual({ status: "matches", missing: [], extra: [], message: "tool_summary matches the 2 tools MyAgent registers" });
  const r = compareToolSummary(["greet", "old"], ["greet", "shout", "count"], "MyAgent");
  expect(r).toMatchObject({ status: "mismatch", missing: ["shout", "count"], extra: ["old"] });
  expect(r.message).toBe("tool_summary does not match the tools MyAgent registers: missing shout, count (registered, not in tool_summary); extra old (in tool_summary, not registered)");
});

test("listing: compiler noise ignored; incomplete, malformed or absent listings are errors", () => {
  const ok = new ToolListing();
  for (const l of ["Compiling 2 files (.ex)", 'OPENSENTIENCE_TOOL {"name":"greet","description":"x","permissions":[]}', 'OPENSENTIENCE_TOOL {"name":"shout"}', "OPENSENTIENCE_TOOLS 2 DemoAgent"]) ok.line(l);
  expect(ok.result()).toEqual({ agent: "DemoAgent", names: ["greet", "shout"] });

  const short = new ToolListing();
  short.line('OPENSENTIENCE_TOOL {"name":"greet"}');
  short.line("OPENSENTIENCE_TOOLS 2 DemoAgent");
  expect(short.result()).toEqual({ error: "unreadable tool listing: the listing announced 2 tools but printed 1" });

  const bad = new ToolListing();
  bad.line("OPENSENTIENCE_TOOL {nope");
  bad.line("OPENSENTIENCE_TOOLS 0 DemoAgent");
  expect(bad.result()).toEqual({ error: "unreadable tool listing: a tool line that is not JSON" });

  const nameless = new ToolListing();
  nameless.line('OPENSENTIENCE_TOOL {"name":""}');
  expect(nameless.result()).toMatchObject({ error: expect.stringContaining("without a name") });
  expect(new ToolListing().result()).toEqual({ error: "the agent printed no tool listing" });
});
