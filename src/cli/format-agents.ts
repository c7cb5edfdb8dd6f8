import type { AgentDetail, AgentSummary } from "../core/catalog/types.ts";
import type { SearchPage } from "../core/search/search.ts";
import { clean, keyValues, table } from "./output.ts";

export function statusLabel(a: Pick<AgentSummary, "status" | "enabled" | "duplicateOf"> & Partial<Pick<AgentSummary, "quarantine" | "yanked">>): string {
  let s: string = a.status;
  if (a.enabled) s += ",enabled";
  if (a.duplicateOf) s += ",duplicate";
  if (a.quarantine) s += ",quarantined";
  else if (a.yanked) s += ",yanked";
  return s;
}

/** The description column, with the registry's word first: deprecated (and the replacement), yanked. */
function standing(a: AgentSummary): string {
  // Built as a string, not an array filter(): Array builtins are compiled on first use (CLI start, issue 13).
  let notes = a.deprecated ? `[deprecated${a.replacementId ? `, use ${a.replacementId}` : ""}]` : "";
  if (a.yanked) notes += `${notes ? " " : ""}[yanked: ${a.yanked}]`;
  return notes ? `${notes} ` : "";
}

export function agentsTable(page: SearchPage): string {
  if (page.agents.length === 0) return "No agents found.";
  // A loop, not a callback per agent (see table() in output.ts).
  const rows: string[][] = [];
  for (const a of page.agents) {
    rows.push([
      a.id ?? "(invalid)",
      a.name,
      a.version,
      statusLabel(a),
      a.source === "remote" ? `registry:${a.registry}` : "local",
      a.status === "invalid" ? (a.errors[0] ? `${a.errors[0].path}: ${a.errors[0].message}` : "") : `${standing(a)}${a.description}`,
    ]);
  }
  const t = table(["ID", "NAME", "VERSION", "STATUS", "SOURCE", "DESCRIPTION"], rows, [48, 28, 12, 28, 24, 60]);
  const shown = page.offset + page.agents.length;
  return page.total > shown || page.totalCapped || page.offset > 0 ? `${t}\n\n${page.offset + 1}-${shown} of ${page.totalCapped ? `${page.total.toLocaleString("en-US")}+` : page.total} (use --offset/--limit)` : t;
}

export function agentDetailText(a: AgentDetail): string {
  const approved = new Set(a.approvals.map((p) => p.permission));
  const lines = [
    keyValues([
      ["id", a.id ?? "(invalid)"],
      ["name", a.name],
      ["version", a.version],
      ["status", statusLabel(a)],
      ["source", a.source === "remote" ? `registry ${a.registry}` : "local"],
      ["path", a.path],
      ["git", a.gitUrl ? `${a.gitUrl}${a.ref ? ` @ ${a.ref}` : ""}` : null],
      ["pinned commit", a.pinnedCommit ? `${a.pinnedCommit} (installs and updates refuse any other commit)` : undefined],
      ["verification", a.verification ?? undefined],
      ["trust score", a.trustScore ?? undefined],
      ["deprecated", a.deprecated ? `yes${a.replacementId ? `, use ${a.replacementId}` : ""}` : undefined],
      ["yanked", a.yanked ?? undefined],
      [
        "quarantine",
        a.install?.quarantine
          ? a.install.quarantine.overriddenAt
            ? `overridden at ${a.install.quarantine.overriddenAt} (yanked: ${a.install.quarantine.reason})`
            : `yes: ${a.install.quarantine.reason} (enable only with --override-yank)`
          : undefined,
      ],
      ["capabilities", a.capabilities.join(", ")],
      ["integrations", a.integrationPoints.join(", ")],
      ["keywords", a.keywords.join(", ")],
      ["manifest sha256", a.manifestSha256 ?? undefined],
      ["install", a.install ? `${a.install.state} at ${a.install.installPath}${a.install.commit ? ` (${a.install.commit.slice(0, 12)})` : ""}` : "not installed"],
      ["duplicate of", a.duplicateOf ?? undefined],
    ]),
  ];
  if (a.description) lines.push("", clean(a.description));
  if (a.errors.length) lines.push("", "Manifest problems:", ...a.errors.map((e) => `  ${clean(e.path)}: ${clean(e.message)}`));
  if (a.toolSummary.length) lines.push("", "Tools:", ...a.toolSummary.map((t) => `  ${clean(t.name)}  ${clean(t.description)}`));
  if (a.permissionsRequested.length) {
    lines.push("", "Permissions (requested → approved):", ...a.permissionsRequested.map((p) => `  [${approved.has(p) ? "x" : " "}] ${clean(p)}`));
  }
  if (a.otherListings.length) lines.push("", "Also listed:", ...a.otherListings.map((o) => `  ${o.source === "remote" ? `registry ${o.registry}` : o.path} (${o.status})`));
  return lines.join("\n");
}
