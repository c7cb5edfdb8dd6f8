import { AppError } from "../core/errors.ts";
import type { UninstallPlan } from "../core/installer/installer.ts";
import type { Command } from "./command.ts";
import { confirmer, requireConfirmable } from "./confirm.ts";
import { uninstallPlanText } from "./format-install.ts";
import { printJson } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";

export const agentsUninstall: Command = {
  path: ["agents", "uninstall"],
  summary: "Stop an agent, drop its approvals and delete its installed files",
  usage: "ID [--yes]",
  options: { yes: { type: "boolean", description: "Do not ask for confirmation" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    const plan = t.kind === "daemon" ? await t.client.uninstallPlan(id) : t.services.installer.planUninstall(id);
    requireConfirmable(ctx, `uninstalling ${id} deletes ${plan.removes.join(", ") || "its install record"}`);
    const confirm = confirmer<UninstallPlan>(ctx, uninstallPlanText, "Uninstall it?");
    let r;
    if (t.kind === "daemon") {
      // The daemon stops the agent (and every process of it) before it deletes a file.
      if (!(await confirm(plan))) throw new AppError("confirmation_required", `not uninstalling ${id}: not confirmed`);
      r = await t.client.uninstall(id);
    } else {
      r = await t.services.installer.uninstall(id, { actor: "cli", confirm });
    }
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(`Uninstalled ${r.agentId}${r.removed.length ? ` (removed ${r.removed.join(", ")})` : ""}.`);
    return 0;
  },
};
