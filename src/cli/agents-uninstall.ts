import type { UninstallPlan } from "../core/installer/installer.ts";
import type { Command } from "./command.ts";
import { confirmer, requireConfirmable } from "./confirm.ts";
import { uninstallPlanText } from "./format-install.ts";
import { printJson } from "./output.ts";

export const agentsUninstall: Command = {
  path: ["agents", "uninstall"],
  summary: "Stop an agent, drop its approvals and delete its installed files",
  usage: "ID [--yes]",
  options: { yes: { type: "boolean" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const id = ctx.positionals[0]!;
    const s = ctx.services();
    const plan = s.installer.planUninstall(id);
    requireConfirmable(ctx, `uninstalling ${id} deletes ${plan.removes.join(", ") || "its install record"}`);
    const r = await s.installer.uninstall(id, { actor: "cli", confirm: confirmer<UninstallPlan>(ctx, uninstallPlanText, "Uninstall it?") });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(`Uninstalled ${r.agentId}${r.removed.length ? ` (removed ${r.removed.join(", ")})` : ""}.`);
    return 0;
  },
};
