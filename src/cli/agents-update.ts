import { AppError } from "../core/errors.ts";
import type { UpdatePlan, UpdateResult } from "../core/installer/updater.ts";
import type { Command, CommandContext } from "./command.ts";
import { confirmer, detachOnInterrupt, printProgress, progressPrinter, requireConfirmable, stopChildrenOnInterrupt, withBuildTail } from "./confirm.ts";
import { updatePlanText, updateResultText } from "./format-install.ts";
import { printJson } from "./output.ts";
import type { Target } from "./target.ts";
import { resolveAgentId } from "./agent-ref.ts";

/**
 * Through the daemon: fetch and show the plan, ask, then build exactly the
 * reviewed commit (`expect_commit`: the daemon refuses if the source moved).
 */
async function viaDaemon(ctx: CommandContext, client: Extract<Target, { kind: "daemon" }>["client"], id: string): Promise<UpdateResult> {
  requireConfirmable(ctx, `updating ${id} runs third-party build code`);
  const plan = await client.updatePlan(id);
  if (!plan.upToDate && !(await confirmer<UpdatePlan>(ctx, updatePlanText, "Build and switch to this version?")(plan))) {
    throw new AppError("confirmation_required", `not updating ${id}: building runs its code (${plan.commands.join(", ")} in ${plan.buildDirectory}) and was not confirmed`);
  }
  const unguard = detachOnInterrupt(ctx, `the update of ${id}`);
  try {
    const op = await client.update(id, { confirm: true, expect_commit: plan.toCommit });
    return await client.finish("update", op, progressPrinter(ctx));
  } finally {
    unguard();
  }
}

async function locally(ctx: CommandContext, s: Extract<Target, { kind: "local" }>["services"], id: string): Promise<UpdateResult> {
  requireConfirmable(ctx, `updating ${id} runs third-party build code`);
  const stop = printProgress(ctx, s, `install:${id}`);
  const unguard = stopChildrenOnInterrupt(ctx);
  try {
    return await s.updater.update(id, { actor: "cli", confirm: confirmer<UpdatePlan>(ctx, updatePlanText, "Build and switch to this version?") });
  } finally {
    unguard();
    stop();
  }
}

export const agentsUpdate: Command = {
  path: ["agents", "update"],
  summary: "Fetch a newer version, show commits and permission changes, build it and swap on success",
  usage: "ID [--yes] [--verbose]",
  options: { yes: { type: "boolean", description: "Do not ask before running build code" }, verbose: { type: "boolean", description: "Show the build's full output" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    try {
      const r = t.kind === "daemon" ? await viaDaemon(ctx, t.client, id) : await locally(ctx, t.services, id);
      if (ctx.json) printJson(ctx.io, r);
      else ctx.io.out(updateResultText(r));
      return 0;
    } catch (e) {
      return withBuildTail(ctx, e);
    }
  },
};
