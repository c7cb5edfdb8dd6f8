import { AppError } from "../core/errors.ts";
import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";
import { surfaceDiffText } from "./format-trust.ts";
import { resolveAgentId } from "./agent-ref.ts";
import { stdinIsTerminal } from "./confirm.ts";
import { decideApprovals, terminalAsker } from "./enable-prompt.ts";

/** `--approve` may repeat; each value is a comma-separated list. */
export function approveList(v: unknown): string[] {
  const raw = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return raw.flatMap((s) => String(s).split(",")).map((s) => s.trim()).filter(Boolean);
}

export const agentsEnable: Command = {
  path: ["agents", "enable"],
  summary: "Approve permissions (a subset of those requested) and enable an installed agent; on a terminal it asks y/N per permission not approved yet",
  usage: "ID [--approve PERM ... | --approve-all | --approve-none] [--override-yank]",
  options: { approve: { type: "string", multiple: true, description: "Approve this permission (repeatable; also comma-separated)" }, "approve-all": { type: "boolean", description: "Approve every permission the agent requests" }, "approve-none": { type: "boolean", description: "Enable without approving any further permission (tools that need one stay blocked)" }, "override-yank": { type: "boolean", description: "Enable even though the registry yanked this version" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const flags = { approve: approveList(ctx.values.approve), approveAll: ctx.values["approve-all"] === true, approveNone: ctx.values["approve-none"] === true };
    // Enabling an agent whose registry entry is yanked: only with this explicit (audited) flag.
    const overrideYank = ctx.values["override-yank"] === true;
    if (flags.approveAll && flags.approve.length) throw new AppError("usage", "give --approve PERM,... or --approve-all, not both");
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    const detail = t.kind === "daemon" ? await t.client.getAgent(id) : t.services.catalog.get(id);
    // Ask only when enabling can succeed; otherwise the service's refusal (not installed, quarantined) comes first.
    const enableable = detail.install?.state === "installed" && (!detail.quarantine || overrideYank);
    const pending = enableable ? (t.kind === "daemon" ? await t.client.approvals(id) : t.services.approvals.state(id)).notApproved : [];
    const { approve, approveAll } = await decideApprovals(id, pending, flags, { interactive: stdinIsTerminal(), ask: terminalAsker(), say: (l) => ctx.io.err(l) });
    const r = t.kind === "daemon" ? await t.client.enable(id, { approve, approve_all: approveAll, ...(overrideYank ? { override_yank: true } : {}) })
        : t.services.approvals.enable(id, { actor: "cli", approve, approveAll, overrideYank });
    if (ctx.json) printJson(ctx.io, r);
    else {
      const lines = [`Enabled ${r.agentId}.`, `  approved:     ${r.approved.map(clean).join(", ") || "none"}`];
      if (r.notApproved.length) lines.push(`  not approved: ${r.notApproved.map(clean).join(", ")} (tools that need these cannot be called)`);
      if (r.toolSurfaceApproved) lines.push("  re-approved tool changes (unblocked):", surfaceDiffText(r.toolSurfaceApproved));
      ctx.io.out(lines.join("\n"));
    }
    return 0;
  },
};
