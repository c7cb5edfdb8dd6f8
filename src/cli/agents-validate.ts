import { validateManifestFile } from "../core/scaffold/validate.ts";
import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";

export const agentsValidate: Command = {
  path: ["agents", "validate"],
  summary: "Check an agent manifest and list every problem (default: ./opensentience.agent.json)",
  usage: "[PATH]",
  args: { min: 0, max: 1 },
  run(ctx) {
    const r = validateManifestFile(ctx.positionals[0] ?? process.cwd());
    if (ctx.json) {
      printJson(ctx.io, r);
      return r.valid ? 0 : 1;
    }
    const n = r.problems.length;
    const lines = [
      r.valid ? `${r.file}: valid (${r.id} ${r.version})` : `${r.file}: INVALID, ${n} problem${n === 1 ? "" : "s"}${r.id ? ` (id ${r.id})` : ""}`,
      ...r.problems.map((p) => `  error    ${clean(p.path)}: ${clean(p.message)}`),
      ...r.warnings.map((w) => `  warning  ${clean(w.path)}: ${clean(w.message)}`),
    ];
    ctx.io.out(lines.join("\n"));
    return r.valid ? 0 : 1;
  },
};
