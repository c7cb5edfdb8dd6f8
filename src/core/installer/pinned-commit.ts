/**
 * A registry entry may pin its default ref to a commit (`commit` in the entry).
 * Install and update check the fetched commit the same way, right after the
 * fetch and before any build: a mismatch is refused, a match is recorded, both
 * audited as `agent.verify` (so the audit trail shows every pin that was checked).
 */
import { AppError } from "../errors.ts";

export function verifyPinnedCommit(
  p: { agentId: string; ref: string; commit: string; pinned: string | null; action: "install" | "update" },
  audit: (action: string, outcome: "ok" | "denied", details: Record<string, unknown>) => void,
): void {
  if (!p.pinned) return;
  const details = { ref: p.ref, commit: p.commit, pinned_commit: p.pinned };
  if (p.commit !== p.pinned) {
    audit("agent.verify", "denied", details);
    throw new AppError("forbidden", `registry pins ${p.ref} of ${p.agentId} to ${p.pinned.slice(0, 12)} but it resolved to ${p.commit.slice(0, 12)}; refusing to ${p.action === "install" ? "build" : "update"}`);
  }
  audit("agent.verify", "ok", details);
}
