/** Human text for install, update and uninstall plans and results. */
import type { InstallPlan, InstallResult, UninstallPlan } from "../core/installer/installer.ts";
import type { UpdatePlan, UpdateResult } from "../core/installer/updater.ts";
import { clean, keyValues } from "./output.ts";

const list = (xs: string[]) => (xs.length ? xs.map(clean).join(", ") : "none");

export function installPlanText(p: InstallPlan): string {
  const lines = [
    `Installing ${clean(p.agentId)} builds third-party code: its mix.exs and macros run on this machine as you.`,
    keyValues([
      ["source", p.source === "remote" ? `registry ${p.registry}: ${p.gitUrl} @ ${p.ref}` : `local checkout (built in place, dev mode)`],
      ["commit", p.commit ?? undefined],
      ["pinned commit", p.pinnedCommit ? `${p.pinnedCommit} (${p.commit === p.pinnedCommit ? "verified: the fetched commit matches" : "the fetched commit must match, else nothing is built"})` : undefined],
      ["directory", p.buildDirectory],
      ["installs to", p.installPath !== p.buildDirectory ? p.installPath : undefined],
      ["commands", p.commands.join(" && ")],
      ["environment", Object.entries(p.env).map(([k, v]) => `${k}=${v}`).join(" ")],
      ["permissions", list(p.permissionsRequested)],
    ]),
  ];
  for (const w of p.warnings) lines.push(`warning: ${clean(w)}`);
  return lines.join("\n");
}

export function installResultText(r: InstallResult): string {
  const from = r.source === "remote" ? `registry ${r.registry} at ${r.commit?.slice(0, 12)}` : `${r.installPath} (dev mode)`;
  const lines = [`Installed ${r.agentId} from ${from}.`, `  path:      ${clean(r.installPath)}`, `  build log: ${clean(r.buildLogPath)}`];
  if (r.permissionDiff && (r.permissionDiff.added.length || r.permissionDiff.removed.length)) {
    lines.push(`  note: permissions differ from the registry's copy (added: ${list(r.permissionDiff.added)}; removed: ${list(r.permissionDiff.removed)})`);
  }
  lines.push(`  requests:  ${list(r.permissionsRequested)}`);
  if (r.buildSandbox.warning) lines.push(`  WARNING:   ${clean(r.buildSandbox.warning)}`);
  else lines.push(`  build:     ${r.buildSandbox.sandboxed ? "sandboxed (wrote only its own directory; no network during compile)" : "not sandboxed (sandbox: off)"}`);
  if (!r.enabled) {
    lines.push(
      r.permissionsRequested.length
        ? `Not enabled yet. Review and approve: opensentience agents enable ${r.agentId} --approve PERM,... (or --approve-all)`
        : `Not enabled yet: opensentience agents enable ${r.agentId}`,
    );
  }
  return lines.join("\n");
}

export function updatePlanText(p: UpdatePlan): string {
  const lines = [
    `Update ${clean(p.agentId)} ${clean(p.fromVersion ?? "?")} → ${clean(p.toVersion)}: ${p.fromCommit?.slice(0, 12) ?? "?"}..${p.toCommit.slice(0, 12)} (${clean(p.gitUrl)} @ ${clean(p.ref)})`,
  ];
  if (p.pinnedCommit) lines.push(`Pinned by the registry: ${p.pinnedCommit} (verified: the fetched commit matches)`);
  if (p.commits.length) lines.push("Commits:", ...p.commits.slice(0, 20).map((c) => `  ${c.sha.slice(0, 12)} ${clean(c.subject)}`));
  if (p.commits.length > 20) lines.push(`  … ${p.commits.length - 20} more`);
  lines.push(`Permissions added:   ${list(p.permissions.added)}`, `Permissions removed: ${list(p.permissions.removed)}`);
  if (p.escalation.length) lines.push(`The agent will be DISABLED until you approve: ${list(p.escalation)}`);
  lines.push(`Build: ${p.commands.join(" && ")} in ${clean(p.buildDirectory)} (third-party code runs), then swap into ${clean(p.installPath)}`);
  for (const w of p.warnings) lines.push(`warning: ${clean(w)}`);
  return lines.join("\n");
}

export function updateResultText(r: UpdateResult): string {
  if (r.upToDate) return `${r.agentId} is up to date (${r.toCommit.slice(0, 12)}).`;
  const lines = [`Updated ${r.agentId}: ${r.fromCommit?.slice(0, 12) ?? "?"} → ${r.toCommit.slice(0, 12)}.`];
  if (r.permissions.added.length || r.permissions.removed.length) lines.push(`  permissions added: ${list(r.permissions.added)}; removed: ${list(r.permissions.removed)}`);
  if (r.droppedApprovals.length) lines.push(`  approvals dropped (no longer requested): ${list(r.droppedApprovals)}`);
  if (r.escalation.length) {
    lines.push(
      `  new permissions need approval: ${list(r.escalation)}`,
      r.enabled ? "  the agent stays enabled without them" : `  the agent is disabled until you run: opensentience agents enable ${r.agentId} --approve ${r.escalation.join(",")}`,
    );
  }
  return lines.join("\n");
}

export function uninstallPlanText(p: UninstallPlan): string {
  return [
    `Uninstall ${clean(p.agentId)}: stop it, drop its approvals, and delete ${p.removes.length ? p.removes.map(clean).join(", ") : "nothing on disk"}.`,
    p.source === "local" ? `The local checkout ${clean(p.installPath)} is not deleted.` : "",
  ]
    .filter(Boolean)
    .join("\n");
}
