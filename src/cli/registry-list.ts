import type { RegistryInfo } from "../core/registry/registries.ts";
import type { Command } from "./command.ts";
import { clean, printJson, table } from "./output.ts";

export function registriesText(regs: RegistryInfo[]): string {
  if (regs.length === 0) return "No registries. Add one: opensentience registry add NAME GIT_URL";
  const lines = [
    table(
      ["NAME", "URL", "REF", "AGENTS", "LAST SYNC", "STATUS", "COMMIT", "SIGNED"],
      regs.map((r) => [
        r.name,
        r.gitUrl,
        r.ref,
        String(r.agentCount),
        r.lastSyncAt ? r.lastSyncAt.replace("T", " ").slice(0, 19) : "never",
        r.lastSyncStatus ?? "-",
        r.lastCommit?.slice(0, 12) ?? "-",
        r.requireSigned ? (r.signature?.status ?? "required") : "no",
      ]),
      [24, 60, 24, 6, 19, 8, 12, 9],
    ),
  ];
  for (const r of regs) {
    if (r.lastSyncStatus === "failed" && r.lastError) lines.push(`  ! ${r.name}: ${clean(r.lastError)}`);
    if (r.requireSigned) {
      const s = r.signature;
      lines.push(`  ${r.name}: signatures required; last check: ${s ? `${s.status} ${s.commit?.slice(0, 12) ?? ""} ${clean(s.detail ?? "")}` : "none yet"}`);
      lines.push(`  ${r.name}: allowed signers (copy: ${clean(r.allowedSigners?.path ?? "missing")}):`);
      for (const k of r.allowedSigners?.signers ?? []) lines.push(`    ${clean(k.principals)} ${k.keyType} ${k.fingerprint}`);
      if (r.allowedSigners?.problem) lines.push(`  ! ${r.name}: ${clean(r.allowedSigners.problem)}`);
    }
    for (const e of r.entryErrors.slice(0, 20)) lines.push(`  ! ${r.name}: ${clean(e.file)}: ${clean(e.message)}`);
    if (r.entryErrors.length > 20) lines.push(`  ! ${r.name}: … ${r.entryErrors.length - 20} more bad entries (see --json)`);
  }
  return lines.join("\n");
}

export const registryList: Command = {
  path: ["registry", "list"],
  summary: "List registries with their last sync time, commit, status and bad entries",
  async run(ctx) {
    // Without a daemon, registries named in config.json are added first (a write: the daemon does it at start).
    const t = await ctx.target({ write: true });
    let regs: RegistryInfo[];
    if (t.kind === "daemon") regs = (await t.client.listRegistries()).registries;
    else {
      t.services.registries.ensureConfigured(t.services.config.registries, { actor: "cli" });
      regs = t.services.registries.list();
    }
    if (ctx.json) printJson(ctx.io, { registries: regs });
    else ctx.io.out(registriesText(regs));
    return 0;
  },
};
