import type { InstallPlan } from "../core/installer/installer.ts";
import { type Command, stringOption } from "./command.ts";
import { confirmer, printProgress, requireConfirmable, stopChildrenOnInterrupt, withBuildTail } from "./confirm.ts";
import { installPlanText, installResultText } from "./format-install.ts";
import { printJson } from "./output.ts";

export const agentsInstall: Command = {
  path: ["agents", "install"],
  summary: "Fetch and build an agent (runs its build code: asks first unless --yes)",
  usage: "ID [--ref REF] [--registry NAME | --local] [--yes] [--verbose]",
  options: { ref: { type: "string" }, registry: { type: "string" }, local: { type: "boolean" }, yes: { type: "boolean" }, verbose: { type: "boolean" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const id = ctx.positionals[0]!;
    const s = ctx.services();
    const select = { ref: stringOption(ctx.values, "ref"), registry: stringOption(ctx.values, "registry"), local: ctx.values.local === true };
    const plan = s.installer.planInstall(id, select);
    requireConfirmable(ctx, `installing ${id} runs third-party build code (${plan.commands.join(", ")} in ${plan.buildDirectory})`);
    const stop = printProgress(ctx, `install:${id}`);
    const unguard = stopChildrenOnInterrupt(ctx);
    try {
      const r = await s.installer.install(id, {
        actor: "cli",
        ...select,
        confirm: confirmer<InstallPlan>(ctx, installPlanText, "Build and install it?"),
      });
      if (ctx.json) printJson(ctx.io, r);
      else ctx.io.out(installResultText(r));
      return 0;
    } catch (e) {
      return withBuildTail(ctx, e);
    } finally {
      unguard();
      stop();
    }
  },
};
