import type { SyncResult } from "../core/registry/registries.ts";
import type { Command, CommandContext, Services } from "./command.ts";
import type { DaemonClient } from "../client/daemon-client.ts";
import { detachOnInterrupt, printProgress, progressPrinter, stopChildrenOnInterrupt } from "./confirm.ts";
import { clean, printJson } from "./output.ts";

export function syncText(r: SyncResult): string {
  const lines = [
    `Synced ${r.name} at ${r.commit.slice(0, 12)}: ${r.added.length} new, ${r.updated.length} updated, ${r.removed.length} removed, ${r.unchanged} unchanged` +
      (r.errors.length ? `, ${r.errors.length} bad entr${r.errors.length === 1 ? "y" : "ies"}` : "") +
      ".",
  ];
  if (r.signature) lines.push(`  signature: ${clean(r.signature)}`);
  for (const id of r.quarantined) lines.push(`  ! ${clean(id)} quarantined: its entry is yanked (stopped and disabled; see: opensentience agents info ${clean(id)})`);
  for (const id of r.released) lines.push(`  * ${clean(id)}: quarantine lifted (the entry is no longer yanked; enable it again to run it)`);
  if (r.forced) lines.push(`  warning: history was rewritten (was ${r.previousCommit?.slice(0, 12)}); accepted because of --force`);
  for (const id of r.added) lines.push(`  + ${clean(id)}`);
  for (const id of r.updated) lines.push(`  ~ ${clean(id)}`);
  for (const id of r.removed) lines.push(`  - ${clean(id)}`);
  for (const e of r.errors) lines.push(`  ! ${clean(e.file)}: ${clean(e.message)}`);
  return lines.join("\n");
}

type SyncAll = Array<{ name: string; result?: SyncResult; error?: { code: string; message: string } }>;

async function syncOne(ctx: CommandContext, name: string, force: boolean, via: { client: DaemonClient } | { services: Services }): Promise<SyncResult> {
  if ("client" in via) {
    const op = await via.client.syncRegistry(name, force);
    return via.client.finish("syncRegistry", op, progressPrinter(ctx));
  }
  const stop = printProgress(ctx, via.services, `registry:${name}`);
  try {
    return await via.services.registries.sync(name, { actor: "cli", force });
  } finally {
    stop();
  }
}

function printAll(ctx: CommandContext, results: SyncAll): number {
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
  options: { force: { type: "boolean", description: "Accept a registry whose history was rewritten" } },
  args: { min: 0, max: 1 },
  async run(ctx) {
    const force = ctx.values.force === true;
    const name = ctx.positionals[0];
    const t = await ctx.target({ write: true });
    const unguard = t.kind === "daemon" ? detachOnInterrupt(ctx, "the sync") : stopChildrenOnInterrupt(ctx);
    try {
      const via = t.kind === "daemon" ? { client: t.client } : { services: t.services };
      if (t.kind === "local") t.services.registries.ensureConfigured(t.services.config.registries, { actor: "cli" });
      if (name) {
        const r = await syncOne(ctx, name, force, via);
        if (ctx.json) printJson(ctx.io, r);
        else ctx.io.out(syncText(r));
        return 0;
      }
      const results: SyncAll =
        t.kind === "daemon" ? await t.client.finish("syncAllRegistries", await t.client.syncAllRegistries(force)) : await t.services.registries.syncAll({ actor: "cli", force });
      return printAll(ctx, results);
    } finally {
      unguard();
    }
  },
};
