import { expect, test } from "bun:test";
import type { ToolInfo } from "../core/runtime/tool-registry.ts";
import { mcpToolResult, mcpToolViews, progressMessage } from "./tool-view.ts";

const tool = (id: string, input: Record<string, unknown>, output: Record<string, unknown> | null = null): ToolInfo => ({
  id,
  agentId: id.split("/")[0]!,
  name: id.split("/")[1]!,
  description: `does ${id}`,
  inputSchema: input,
  outputSchema: output,
  permissions: [],
  streaming: false,
  cancellable: false,
  timeoutMs: null,
  blockedBy: [],
});

test("views: scoped, object arguments only, type added when absent, object output schemas only", () => {
  const tools = [
    tool("a.b/one", { type: "object" }, { type: "object", properties: {} }),
    tool("a.b/two", {}, { type: "string" }),
    tool("a.b/three", { type: "string" }),
    tool("c.d/four", { type: "object" }),
  ];
  const all = mcpToolViews(tools);
  expect(all.map((v) => v.name)).toEqual(["a_b__one", "a_b__two", "c_d__four"]);
  expect(all[0]).toMatchObject({ id: "a.b/one", title: "a.b/one", outputSchema: { type: "object" } });
  expect(all[1]).toMatchObject({ inputSchema: { type: "object" }, outputSchema: null });
  expect(mcpToolViews(tools, ["a.b/one", "c.d/*"]).map((v) => v.id)).toEqual(["a.b/one", "c.d/four"]);
});

test("results: objects are structured plus text, others text; errors are tool errors", () => {
  expect(mcpToolResult({ ok: true, output: { text: "hi" } }, null)).toEqual({ content: [{ type: "text", text: '{"text":"hi"}' }], structuredContent: { text: "hi" } });
  expect(mcpToolResult({ ok: true, output: "plain" }, null)).toEqual({ content: [{ type: "text", text: "plain" }] });
  expect(mcpToolResult({ ok: true, output: [1, 2] }, null)).toEqual({ content: [{ type: "text", text: "[1,2]" }] });
  expect(mcpToolResult({ ok: false, error: { code: "permission_denied", message: "no" } }, null)).toMatchObject({ isError: true, content: [{ type: "text", text: "permission_denied: no" }] });
  const schema = { type: "object", required: ["text"], properties: { text: { type: "string" } } };
  expect(mcpToolResult({ ok: true, output: { text: "ok" } }, schema).isError).toBeUndefined();
  expect(mcpToolResult({ ok: true, output: "not an object" }, schema)).toMatchObject({ isError: true });
  expect(mcpToolResult({ ok: true, output: { text: 5 } }, schema)).toMatchObject({ isError: true });
  expect(progressMessage({ i: 1 })).toBe('{"i":1}');
  expect(progressMessage("x".repeat(3000)).length).toBe(2000);
});

test("a tool changed since its surface was approved is not offered (its new description must not reach a model)", () => {
  const changed: ToolInfo = { ...tool("a.b/reword", { type: "object" }), surfaceChange: { kind: "changed", fields: ["description"], message: "blocked" } };
  const added: ToolInfo = { ...tool("a.b/extra", { type: "object" }), surfaceChange: { kind: "added", message: "blocked" } };
  expect(mcpToolViews([tool("a.b/keep", { type: "object" }), changed, added]).map((v) => v.id)).toEqual(["a.b/keep"]);
});
