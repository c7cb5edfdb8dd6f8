import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";

export const agentsRevoke: Command = {
  path: ["agents", "revoke"],
  summary: "Withdraw one approved permission from an agent (a running agent is stopped first)",
  usage: "ID PERM",
  args: { min: 2, max: 2 },
  async run(ctx) {
    const [typed, perm] = ctx.positionals as [string, string];
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    const r = t.kind === "daemon" ? await t.client.revoke(id, perm) : await t.services.approvals.revoke(id, perm, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(`Revoked ${clean(r.revoked)} from ${r.agentId}. Still approved: ${r.approved.map(clean).join(", ") || "none"}.`);
    return 0;
  },
};
