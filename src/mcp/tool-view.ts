/**
 * Our tools as MCP tools, and call outcomes as MCP tool results. Pure.
 *
 * - Only tools whose arguments can be an object are offered (MCP arguments
 *   always are): an input schema without `type` gets `type: "object"`, one
 *   of another type is left out. The router still validates every call
 *   against the tool's own schema.
 * - An output schema is offered only when it describes an object (what MCP
 *   requires of `outputSchema`); then a result must be an object matching it,
 *   sent as `structuredContent` plus its JSON text — a result that does not
 *   match becomes a tool error rather than a reply the client would reject.
 * - Our error codes become tool results with `isError: true`
 *   ("<code>: <message>"); protocol errors are left for protocol faults.
 */
import { Validator } from "@cfworker/json-schema";
import type { ToolInfo } from "../core/runtime/tool-registry.ts";
import { scopeAllows, type ToolScope } from "../core/client-tokens/scope.ts";
import type { McpToolView } from "../contract/mcp.ts";
import { mcpToolName } from "./tool-names.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The MCP view of the tools a client may see: in its scope (when it has one), callable with object arguments. */
export function mcpToolViews(tools: readonly ToolInfo[], scope?: ToolScope): McpToolView[] {
  const out: McpToolView[] = [];
  const seen = new Set<string>();
  for (const t of tools) {
    if (scope && !scopeAllows(scope, t.id)) continue;
    // Changed since the operator approved it (issue 16): its new description must not reach a model before re-approval.
    if (t.surfaceChange) continue;
    const input = t.inputSchema;
    if (input.type !== undefined && input.type !== "object") continue;
    const name = mcpToolName(t.id);
    if (seen.has(name)) continue; // a hash collision of two cut names: keep the first (sorted by id)
    seen.add(name);
    out.push({
      id: t.id,
      name,
      title: t.id,
      description: t.description,
      inputSchema: input.type === "object" ? input : { ...input, type: "object" },
      outputSchema: t.outputSchema && t.outputSchema.type === "object" ? t.outputSchema : null,
    });
  }
  return out;
}

/** What a routed call ended with (router outcome or a streamed call's last line). */
export type CallEnd = { ok: true; output: unknown } | { ok: false; error: { code: string; message: string } };

export interface McpToolResult {
  [key: string]: unknown;
  content: Array<{ type: "text"; text: string }>;
  structuredContent?: Json;
  isError?: boolean;
}

const validators = new WeakMap<object, Validator | null>();

function outputValidator(schema: Json): Validator | null {
  if (!validators.has(schema)) {
    let v: Validator | null;
    try {
      v = new Validator(schema as never, "2020-12", false);
    } catch {
      v = null; // not interpretable: the client cannot check it either
    }
    validators.set(schema, v);
  }
  return validators.get(schema)!;
}

export function toolError(code: string, message: string): McpToolResult {
  return { content: [{ type: "text", text: `${code}: ${message}` }], isError: true, _meta: { "io.opensentience/error_code": code } };
}

/** The MCP result of a call to a tool with this (MCP) output schema. */
export function mcpToolResult(end: CallEnd, outputSchema: Json | null): McpToolResult {
  if (!end.ok) return toolError(end.error.code, end.error.message);
  const out = end.output;
  if (outputSchema) {
    if (!isObject(out)) return toolError("internal", "the tool returned a result that is not an object although it declares an output schema");
    const v = outputValidator(outputSchema);
    const r = v?.validate(out);
    if (r && !r.valid) {
      const first = r.errors.at(-1);
      return toolError("internal", `the tool's result does not match its declared output schema${first ? ` (${first.instanceLocation}: ${first.error})` : ""}`);
    }
  }
  if (isObject(out)) return { content: [{ type: "text", text: JSON.stringify(out) }], structuredContent: out };
  return { content: [{ type: "text", text: typeof out === "string" ? out : JSON.stringify(out ?? null) }] };
}

/** A progress chunk as the `message` of `notifications/progress`. */
export function progressMessage(chunk: unknown): string {
  const text = typeof chunk === "string" ? chunk : JSON.stringify(chunk ?? null);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
