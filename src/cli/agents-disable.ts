import type { Command } from "./command.ts";
import { printJson } from "./output.ts";

export const agentsDisable: Command = {
  path: ["agents", "disable"],
  summary: "Disable an agent (its approvals are kept)",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const r = await ctx.services().approvals.disable(ctx.positionals[0]!, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(r.wasEnabled ? `Disabled ${r.agentId}.` : `${r.agentId} was not enabled.`);
    return 0;
  },
};
