import { dirname } from "node:path";
import { readFileSync } from "node:fs";
import { parseManifestBytes } from "../core/manifest/parse.ts";
import { checkProjectTools } from "../core/scaffold/project-tools.ts";
import { validateManifestFile } from "../core/scaffold/validate.ts";
import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";

export const agentsValidate: Command = {
  path: ["agents", "validate"],
  summary: "Check an agent manifest and list every problem (default: ./opensentience.agent.json)",
  usage: "[PATH] [--tools]",
  options: { tools: { type: "boolean", description: "Also compile the project and check tool_summary against the tools its agent registers (runs its code)" } },
  args: { min: 0, max: 1 },
  async run(ctx) {
    const r = validateManifestFile(ctx.positionals[0] ?? process.cwd());
    // Only on request, and only for a valid manifest: listing the tools compiles and loads the project's code.
    const toolCheck = ctx.values.tools === true && r.valid ? await checkProjectTools(dirname(r.file), summaryNames(r.file), definedEnv(ctx.env)) : null;
    const ok = r.valid && (toolCheck === null || toolCheck.status === "matches");
    if (ctx.json) {
      printJson(ctx.io, toolCheck ? { ...r, valid: ok, tool_check: toolCheck } : r);
      return ok ? 0 : 1;
    }
    const n = r.problems.length + (toolCheck && toolCheck.status !== "matches" ? 1 : 0);
    const lines = [
      ok ? `${r.file}: valid (${r.id} ${r.version})` : `${r.file}: INVALID, ${n} problem${n === 1 ? "" : "s"}${r.id ? ` (id ${r.id})` : ""}`,
      ...r.problems.map((p) => `  error    ${clean(p.path)}: ${clean(p.message)}`),
      ...(toolCheck ? [`  ${toolCheck.status === "matches" ? "ok      " : "error   "} tool_summary: ${clean(toolCheck.message)}`] : []),
      ...r.warnings.map((w) => `  warning  ${clean(w.path)}: ${clean(w.message)}`),
    ];
    ctx.io.out(lines.join("\n"));
    return ok ? 0 : 1;
  },
};

const definedEnv = (env: Record<string, string | undefined>): Record<string, string> => Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

/** tool_summary names of a manifest validateManifestFile just found valid. */
function summaryNames(file: string): string[] {
  const r = parseManifestBytes(readFileSync(file));
  return r.ok ? r.manifest.tool_summary.map((t) => t.name) : [];
}
