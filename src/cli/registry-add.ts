import type { Command } from "./command.ts";
import { stringOption } from "./command.ts";
import { printJson } from "./output.ts";

export const registryAdd: Command = {
  path: ["registry", "add"],
  summary: "Add a git-backed agent registry (then run: registry sync NAME)",
  usage: "NAME GIT_URL [--ref REF]",
  options: { ref: { type: "string" } },
  args: { min: 2, max: 2 },
  run(ctx) {
    const [name, gitUrl] = ctx.positionals as [string, string];
    const info = ctx.services().registries.add({ name, gitUrl, ref: stringOption(ctx.values, "ref") }, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, info);
    else ctx.io.out(`Added registry ${info.name} (${info.gitUrl} @ ${info.ref}). Next: opensentience registry sync ${info.name}`);
    return 0;
  },
};
