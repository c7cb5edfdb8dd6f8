/** Text for the trust lifecycle: the pinned tool surface and its pending change, and the last `agents test` run. */
import type { AgentTrust } from "../core/approvals/agent-trust.ts";
import { surfaceDiffLines, type SurfaceDiff } from "../core/approvals/tool-surface.ts";
import type { AgentTestRun } from "../core/installer/agent-test.ts";
import { clean } from "./output.ts";

export function surfaceDiffText(d: SurfaceDiff, indent = "    "): string {
  return surfaceDiffLines(d).map((l) => `${indent}${clean(l)}`).join("\n");
}

export function testRunText(r: AgentTestRun): string {
  const counts = r.tests === null ? "no ExUnit summary" : `${r.tests} tests, ${r.failures} failures${r.skipped ? `, ${r.skipped} skipped/excluded` : ""}`;
  return `${r.outcome.toUpperCase()} — ${counts} in ${(r.durationMs / 1000).toFixed(1)} s (version ${clean(r.version)}${r.commitSha ? ` @ ${r.commitSha.slice(0, 12)}` : ""}, ${r.sandboxed ? "sandboxed" : "NOT sandboxed"}, ${clean(r.ranAt)} by ${clean(r.actor)})`;
}

export function trustText(t: AgentTrust): string {
  const lines: string[] = [];
  const s = t.toolSurface;
  if (!s) lines.push("Tool surface: not pinned (pinned when the agent is enabled)");
  else {
    const what = s.source === "manifest" ? "the manifest's tool_summary (pinned again from its first registration)" : "as registered";
    lines.push(`Tool surface: ${s.tools.length} tools pinned ${clean(s.pinnedAt)} by ${clean(s.pinnedBy)}, ${what}; sha256 ${s.hash.slice(0, 16)}…`);
    if (s.pending) {
      const blocked = s.pending.diff.added.length + s.pending.diff.changed.length;
      lines.push(`  CHANGED since approval (seen ${clean(s.pending.since)}): ${blocked ? `${blocked} tool(s) blocked until re-approved` : "nothing blocked"}`);
      lines.push(surfaceDiffText(s.pending.diff));
      lines.push(`  re-approve: opensentience agents enable ${t.agentId}`);
    }
  }
  const stale = t.lastTest && t.lastTest.commitSha !== t.installedCommit ? " — an earlier build; the installed one is untested" : "";
  lines.push(t.lastTest ? `Tests (local): ${testRunText(t.lastTest)}${stale}` : `Tests (local): never run here (opensentience agents test ${t.agentId})`);
  return lines.join("\n");
}
