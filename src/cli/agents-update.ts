import type { UpdatePlan } from "../core/installer/updater.ts";
import type { Command } from "./command.ts";
import { confirmer, printProgress, requireConfirmable, stopChildrenOnInterrupt, withBuildTail } from "./confirm.ts";
import { updatePlanText, updateResultText } from "./format-install.ts";
import { printJson } from "./output.ts";

export const agentsUpdate: Command = {
  path: ["agents", "update"],
  summary: "Fetch a newer version, show commits and permission changes, build it and swap on success",
  usage: "ID [--yes] [--verbose]",
  options: { yes: { type: "boolean" }, verbose: { type: "boolean" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const id = ctx.positionals[0]!;
    const s = ctx.services();
    requireConfirmable(ctx, `updating ${id} runs third-party build code`);
    const stop = printProgress(ctx, `install:${id}`);
    const unguard = stopChildrenOnInterrupt(ctx);
    try {
      const r = await s.updater.update(id, { actor: "cli", confirm: confirmer<UpdatePlan>(ctx, updatePlanText, "Build and switch to this version?") });
      if (ctx.json) printJson(ctx.io, r);
      else ctx.io.out(updateResultText(r));
      return 0;
    } catch (e) {
      return withBuildTail(ctx, e);
    } finally {
      unguard();
      stop();
    }
  },
};
