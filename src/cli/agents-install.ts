import { AppError } from "../core/errors.ts";
import type { InstallPlan, InstallResult } from "../core/installer/installer.ts";
import { type Command, type CommandContext, stringOption } from "./command.ts";
import { confirmer, detachOnInterrupt, printProgress, progressPrinter, requireConfirmable, stopChildrenOnInterrupt, withBuildTail } from "./confirm.ts";
import { installPlanText, installResultText } from "./format-install.ts";
import { printJson } from "./output.ts";
import type { Target } from "./target.ts";
import { resolveAgentId } from "./agent-ref.ts";

type Select = { ref?: string | undefined; registry?: string | undefined; local: boolean };

/** Through the daemon: the plan (catalog only), the question, then the build as an operation. */
async function viaDaemon(ctx: CommandContext, client: Extract<Target, { kind: "daemon" }>["client"], id: string, select: Select): Promise<InstallResult> {
  const plan = await client.installPlan(id, { ...(select.ref ? { ref: select.ref } : {}), ...(select.registry ? { registry: select.registry } : {}), ...(select.local ? { local: "1" } : {}) });
  requireConfirmable(ctx, `installing ${id} runs third-party build code (${plan.commands.join(", ")} in ${plan.buildDirectory})`);
  if (!(await confirmer<InstallPlan>(ctx, installPlanText, "Build and install it?")(plan))) {
    throw new AppError("confirmation_required", `not installing ${id}: building runs its code (${plan.commands.join(", ")} in ${plan.buildDirectory}) and was not confirmed`);
  }
  const unguard = detachOnInterrupt(ctx, `the install of ${id}`);
  try {
    const op = await client.install(id, { ...(select.ref ? { ref: select.ref } : {}), ...(select.registry ? { registry: select.registry } : {}), local: select.local, confirm: true });
    return await client.finish("install", op, progressPrinter(ctx));
  } finally {
    unguard();
  }
}

/** No daemon: this process builds, asking after the code is fetched (the plan then names the commit). */
async function locally(ctx: CommandContext, s: Extract<Target, { kind: "local" }>["services"], id: string, select: Select): Promise<InstallResult> {
  const plan = s.installer.planInstall(id, select);
  requireConfirmable(ctx, `installing ${id} runs third-party build code (${plan.commands.join(", ")} in ${plan.buildDirectory})`);
  const stop = printProgress(ctx, s, `install:${id}`);
  const unguard = stopChildrenOnInterrupt(ctx);
  try {
    return await s.installer.install(id, { actor: "cli", ...select, confirm: confirmer<InstallPlan>(ctx, installPlanText, "Build and install it?") });
  } finally {
    unguard();
    stop();
  }
}

export const agentsInstall: Command = {
  path: ["agents", "install"],
  summary: "Fetch and build an agent (runs its build code: asks first unless --yes)",
  usage: "ID [--ref REF] [--registry NAME | --local] [--yes] [--verbose]",
  options: { ref: { type: "string", description: "Git branch, tag or commit to install" }, registry: { type: "string", description: "Install from this registry's listing" }, local: { type: "boolean", description: "Install the local (discovered) copy" }, yes: { type: "boolean", description: "Do not ask before running build code" }, verbose: { type: "boolean", description: "Show the build's full output" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const select = { ref: stringOption(ctx.values, "ref"), registry: stringOption(ctx.values, "registry"), local: ctx.values.local === true };
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    try {
      const r = t.kind === "daemon" ? await viaDaemon(ctx, t.client, id, select) : await locally(ctx, t.services, id, select);
      if (ctx.json) printJson(ctx.io, r);
      else ctx.io.out(installResultText(r));
      return 0;
    } catch (e) {
      return withBuildTail(ctx, e);
    }
  },
};
