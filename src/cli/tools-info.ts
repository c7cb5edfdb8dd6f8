/** `tools info AGENT/TOOL`: what a registered tool does, needs and takes, with a call to copy. */
import { AppError } from "../core/errors.ts";
import { argumentRows, exampleArguments } from "../core/runtime/tool-arguments.ts";
import type { Command } from "./command.ts";
import { clean, keyValues, printJson, table } from "./output.ts";
import { findTool, type ToolListing } from "./tool-ref.ts";

/** A shell-safe single-quoted word. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function status(t: ToolListing): string {
  if (t.surfaceChange) return `blocked: ${t.surfaceChange.message}`;
  if (t.blockedBy.length) return `blocked until approved: ${t.blockedBy.join(", ")} (run: opensentience agents enable ${t.agentId} --approve ${t.blockedBy.join(",")})`;
  return "ok";
}

export function toolInfoText(t: ToolListing): string {
  const rows = argumentRows(t.inputSchema);
  const example = exampleArguments(t.inputSchema);
  const flags = [t.streaming && "streaming", t.cancellable && "cancellable"].filter(Boolean).join(", ");
  const simple = Object.entries(example).every(([, v]) => typeof v !== "object" || v === null);
  return [
    clean(t.id),
    "",
    keyValues([
      ["description", t.description],
      ["permissions", t.permissions.join(", ") || "none"],
      ["flags", flags || "-"],
      ["timeout", t.timeoutMs === null ? "default" : `${t.timeoutMs} ms`],
      ["status", status(t)],
    ]),
    "",
    rows.length ? `Arguments:\n${table(["NAME", "TYPE", "REQUIRED", "DESCRIPTION"], rows.map((r) => [r.name, r.type, r.required ? "yes" : "no", r.description]), [32, 32, 8, 80]).replace(/^/gm, "  ")}` : "Arguments: none",
    "",
    "Example:",
    `  opensentience tools call ${clean(t.id)} --args ${clean(shellQuote(JSON.stringify(example)))}`,
    ...(simple && Object.keys(example).length ? [`  opensentience tools call ${clean(t.id)} ${Object.entries(example).map(([k, v]) => `--arg ${clean(shellQuote(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`))}`).join(" ")}`] : []),
  ].join("\n");
}

export const toolsInfo: Command = {
  path: ["tools", "info"],
  summary: "Show a tool's description, permissions and arguments (from its schema), with an example call",
  usage: "AGENT_ID/TOOL",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const found = await findTool(ctx.daemon(), ctx.positionals[0]!);
    if (!found.tool) {
      const agent = found.id.split("/")[0]!;
      throw new AppError("agent_unavailable", `agent '${agent}' has no tools registered: tool schemas come from a running agent (run: opensentience agents run ${agent})`);
    }
    if (ctx.json) printJson(ctx.io, { ...found.tool, arguments: argumentRows(found.tool.inputSchema), example: exampleArguments(found.tool.inputSchema) });
    else ctx.io.out(toolInfoText(found.tool));
    return 0;
  },
};
