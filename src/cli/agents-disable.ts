import type { Command } from "./command.ts";
import { printJson } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";

export const agentsDisable: Command = {
  path: ["agents", "disable"],
  summary: "Disable an agent (its approvals are kept; a running agent is stopped first)",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    const r = t.kind === "daemon" ? await t.client.disable(id) : await t.services.approvals.disable(id, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(r.wasEnabled ? `Disabled ${r.agentId}.` : `${r.agentId} was not enabled.`);
    return 0;
  },
};
