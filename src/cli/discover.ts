import { resolve } from "node:path";
import type { DiscoveryReport } from "../core/discovery/discovery.ts";
import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";

export function discoveryText(r: DiscoveryReport): string {
  const lines = [
    `Scanned ${r.roots.length} root${r.roots.length === 1 ? "" : "s"} (${r.dirsVisited} directories) in ${r.durationMs} ms: ` +
      `${r.found} manifest${r.found === 1 ? "" : "s"}, ${r.added.length} new, ${r.updated.length} updated, ${r.unchanged} unchanged, ` +
      `${r.missing.length} missing, ${r.invalid.length} invalid.`,
  ];
  for (const p of r.added) lines.push(`  + ${clean(p)}`);
  for (const p of r.updated) lines.push(`  ~ ${clean(p)}`);
  for (const p of r.missing) lines.push(`  - ${clean(p)} (missing)`);
  for (const i of r.invalid) {
    for (const pr of i.problems.slice(0, 5)) lines.push(`  ! ${clean(i.path)}: ${clean(pr.path)}: ${clean(pr.message)}`);
  }
  for (const d of r.duplicates) lines.push(`  ! duplicate id ${clean(d.id)}: ${d.paths.map(clean).join(", ")} (first one is used)`);
  for (const p of r.problems) lines.push(`  ? ${clean(p.path)}: ${clean(p.problem)}`);
  return lines.join("\n");
}

export const discover: Command = {
  path: ["discover"],
  summary: "Scan folders for agent manifests (reads files only, never runs anything)",
  usage: "[PATH...]",
  args: { min: 0, max: Number.POSITIVE_INFINITY },
  async run(ctx) {
    const t = await ctx.target({ write: true });
    const report = t.kind === "daemon" ? await t.client.runDiscovery(ctx.positionals.map((p) => resolve(p))) : t.services.discovery.run({ paths: ctx.positionals, actor: "cli" });
    if (ctx.json) printJson(ctx.io, report);
    else ctx.io.out(discoveryText(report));
    return 0;
  },
};
