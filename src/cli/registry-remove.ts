import type { Command } from "./command.ts";
import { printJson } from "./output.ts";

export const registryRemove: Command = {
  path: ["registry", "remove"],
  summary: "Remove a registry and its catalog listings (installed agents stay installed)",
  usage: "NAME",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const t = await ctx.target({ write: true });
    const r = t.kind === "daemon" ? await t.client.removeRegistry(name) : t.services.registries.remove(name, { actor: "cli" });
    const inConfig = ctx.config().registries.some((c) => c.name === name);
    if (ctx.json) printJson(ctx.io, { ...r, inConfig });
    else {
      ctx.io.out(`Removed registry ${r.name} (${r.removedListings} listing${r.removedListings === 1 ? "" : "s"}).`);
      if (inConfig) ctx.io.err(`note: '${name}' is still in config.json and will be added again at the next daemon start`);
    }
    return 0;
  },
};
