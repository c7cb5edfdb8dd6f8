import type { Command } from "./command.ts";
import { stringOption } from "./command.ts";
import { printJson } from "./output.ts";

export const registryAdd: Command = {
  path: ["registry", "add"],
  summary: "Add a git-backed agent registry (then run: registry sync NAME)",
  usage: "NAME GIT_URL [--ref REF]",
  options: { ref: { type: "string" } },
  args: { min: 2, max: 2 },
  async run(ctx) {
    const [name, gitUrl] = ctx.positionals as [string, string];
    const ref = stringOption(ctx.values, "ref");
    const t = await ctx.target({ write: true });
    const info = t.kind === "daemon" ? await t.client.addRegistry({ name, git_url: gitUrl, ...(ref ? { ref } : {}) }) : t.services.registries.add({ name, gitUrl, ref }, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, info);
    else ctx.io.out(`Added registry ${info.name} (${info.gitUrl} @ ${info.ref}). Next: opensentience registry sync ${info.name}`);
    return 0;
  },
};
