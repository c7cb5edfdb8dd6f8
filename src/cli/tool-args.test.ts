import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unknownTool } from "../core/catalog/resolve.ts";
import { AppError } from "../core/errors.ts";
import { argumentsGiven, argumentSummary, checkedArguments } from "./tool-args.ts";
import { toolInfoText } from "./tools-info.ts";
import type { ToolListing } from "./tool-ref.ts";

const echo: ToolListing = {
  id: "com.opensentience.examples.echo/echo",
  agentId: "com.opensentience.examples.echo",
  name: "echo",
  description: "Returns its input text",
  inputSchema: { type: "object", required: ["text"], properties: { text: { type: "string", description: "What to echo" }, times: { type: "integer" } } },
  outputSchema: null,
  permissions: [],
  streaming: false,
  cancellable: true,
  timeoutMs: null,
  blockedBy: [],
  surfaceChange: null,
};

const dir = mkdtempSync(join(tmpdir(), "tool-args-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("did not throw");
}

describe("tools call arguments", () => {
  test("--args, --args-file and --arg merge (pairs win) and are coerced per schema", async () => {
    writeFileSync(join(dir, "a.json"), '{"text":"from file","times":1}');
    const given = await argumentsGiven({ "args-file": join(dir, "a.json"), arg: ["times=3"] });
    expect(checkedArguments(echo, given)).toEqual({ text: "from file", times: 3 });
    expect(checkedArguments(echo, await argumentsGiven({ arg: ["text=hi there"] }))).toEqual({ text: "hi there" });
    expect(checkedArguments(echo, await argumentsGiven({ args: '{"text":"x"}' }))).toEqual({ text: "x" });
  });

  test("schema problems: one line naming the field and pointing at tools info (before anything is sent)", async () => {
    const e = thrown(() => checkedArguments(echo, { json: undefined, pairs: [] }));
    expect(e.code).toBe("invalid_argument");
    expect(e.message).toBe("com.opensentience.examples.echo/echo: missing required argument 'text' (see: opensentience tools info com.opensentience.examples.echo/echo)");
    expect(thrown(() => checkedArguments(echo, { json: { text: 1 }, pairs: [] })).message).toContain("argument 'text' must be string, got 1");
    expect(thrown(() => checkedArguments(echo, { json: { text: "a" }, pairs: ["times=lots"] })).message).toBe('--arg times: expected an integer, got "lots"');
    expect(thrown(() => checkedArguments(echo, { json: [1], pairs: ["text=a"] })).message).toBe("--arg adds to a JSON object; --args is not one");
  });

  test("bad --args / --args-file: usage errors", async () => {
    writeFileSync(join(dir, "bad.json"), "{nope");
    await expect(argumentsGiven({ args: "{", "args-file": "x" })).rejects.toThrow("give --args or --args-file, not both");
    await expect(argumentsGiven({ args: "{" })).rejects.toThrow("--args is not valid JSON");
    await expect(argumentsGiven({ "args-file": join(dir, "bad.json") })).rejects.toThrow(`--args-file ${join(dir, "bad.json")} is not valid JSON`);
    await expect(argumentsGiven({ "args-file": join(dir, "missing.json") })).rejects.toThrow(`cannot read --args-file ${join(dir, "missing.json")}: ENOENT`);
  });

  test("a misspelt tool: did you mean, else the agent's tools", () => {
    expect(unknownTool("com.x.echo", "ecoh", ["echo", "add"]).message).toBe("agent 'com.x.echo' has no tool 'ecoh' (did you mean 'com.x.echo/echo'?)");
    expect(unknownTool("com.x.echo", "frobnicate", ["echo", "add"]).message).toBe("agent 'com.x.echo' has no tool 'frobnicate' (its tools: echo, add)");
  });
});

describe("tools info / list rendering", () => {
  test("info: description, permissions, an arguments table and example calls", () => {
    const text = toolInfoText({ ...echo, permissions: ["env:read:HOME"], blockedBy: ["env:read:HOME"] });
    expect(text).toStartWith("com.opensentience.examples.echo/echo\n");
    expect(text).toMatch(/^description +Returns its input text$/m);
    expect(text).toMatch(/^permissions +env:read:HOME$/m);
    expect(text).toMatch(/^status +blocked until approved: env:read:HOME \(run: opensentience agents enable com.opensentience.examples.echo --approve env:read:HOME\)$/m);
    expect(text).toMatch(/^ {2}NAME +TYPE +REQUIRED +DESCRIPTION$/m);
    expect(text).toMatch(/^ {2}text +string +yes +What to echo$/m);
    expect(text).toMatch(/^ {2}times +integer +no$/m);
    expect(text).toContain(`  opensentience tools call com.opensentience.examples.echo/echo --args '{"text":"<text>"}'`);
    expect(text).toContain(`  opensentience tools call com.opensentience.examples.echo/echo --arg 'text=<text>'`);
  });

  test("info: a tool without arguments; list's arguments column", () => {
    expect(toolInfoText({ ...echo, inputSchema: { type: "object" } })).toContain("Arguments: none");
    expect(argumentSummary(echo.inputSchema)).toBe("text [times]");
    expect(argumentSummary({})).toBe("-");
  });
});
