import type { SyncResult } from "../core/registry/registries.ts";
import type { Command, CommandContext } from "./command.ts";
import { printProgress, stopChildrenOnInterrupt } from "./confirm.ts";
import { clean, printJson } from "./output.ts";

export function syncText(r: SyncResult): string {
  const lines = [
    `Synced ${r.name} at ${r.commit.slice(0, 12)}: ${r.added.length} new, ${r.updated.length} updated, ${r.removed.length} removed, ${r.unchanged} unchanged` +
      (r.errors.length ? `, ${r.errors.length} bad entr${r.errors.length === 1 ? "y" : "ies"}` : "") +
      ".",
  ];
  if (r.forced) lines.push(`  warning: history was rewritten (was ${r.previousCommit?.slice(0, 12)}); accepted because of --force`);
  for (const id of r.added) lines.push(`  + ${clean(id)}`);
  for (const id of r.updated) lines.push(`  ~ ${clean(id)}`);
  for (const id of r.removed) lines.push(`  - ${clean(id)}`);
  for (const e of r.errors) lines.push(`  ! ${clean(e.file)}: ${clean(e.message)}`);
  return lines.join("\n");
}

async function syncOne(ctx: CommandContext, name: string, force: boolean): Promise<number> {
  const stop = printProgress(ctx, `registry:${name}`);
  try {
    const r = await ctx.services().registries.sync(name, { actor: "cli", force });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(syncText(r));
    return 0;
  } finally {
    stop();
  }
}

async function syncEvery(ctx: CommandContext, force: boolean): Promise<number> {
  const results = await ctx.services().registries.syncAll({ actor: "cli", force });
  if (ctx.json) printJson(ctx.io, { results });
  else if (results.length === 0) ctx.io.out("No registries. Add one: opensentience registry add NAME GIT_URL");
  else {
    for (const r of results) {
      if (r.result) ctx.io.out(syncText(r.result));
      else ctx.io.err(`opensentience: ${r.name}: ${clean(r.error?.message)}`);
    }
  }
  return results.some((r) => r.error) ? 1 : 0;
}

export const registrySync: Command = {
  path: ["registry", "sync"],
  summary: "Fetch registries (all, or NAME) and update the catalog in one transaction",
  usage: "[NAME] [--force]",
  options: { force: { type: "boolean" } },
  args: { min: 0, max: 1 },
  async run(ctx) {
    const s = ctx.services();
    s.registries.ensureConfigured(s.config.registries, { actor: "cli" });
    const force = ctx.values.force === true;
    const unguard = stopChildrenOnInterrupt(ctx);
    try {
      const name = ctx.positionals[0];
      return await (name ? syncOne(ctx, name, force) : syncEvery(ctx, force));
    } finally {
      unguard();
    }
  },
};
