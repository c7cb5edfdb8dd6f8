/**
 * Pinned tool surfaces (issue 16): what the operator approved is the tool
 * surface an agent had when it was enabled — its manifest's tool_summary until
 * it first runs, then the tools it first registered (trust on first use). A
 * later registration that differs is kept as the pending surface; its new and
 * changed tools are blocked (the tool registry marks them, the router answers
 * `permission_denied`) until the operator re-approves with `agents enable`.
 * Unchanged tools keep working; removed tools are simply gone.
 *
 * Dev-mode agents (a local checkout the operator is editing) follow their own
 * changes: a new surface is pinned at once, audited as auto-approved.
 */
import type { Database } from "bun:sqlite";
import type { Actor } from "../../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";
import {
  blockedMessage,
  canonicalJson,
  canonicalSurface,
  diffSurface,
  isEmptySurfaceDiff,
  type SurfaceDiff,
  type SurfaceField,
  surfaceHash,
  type SurfaceTool,
  surfaceTool,
} from "./tool-surface.ts";

export type SurfaceChange = { kind: "added" } | { kind: "changed"; fields: SurfaceField[] };
export interface SurfaceBlock {
  message: string;
  change: SurfaceChange;
}

export interface PinnedSurface {
  agentId: string;
  /** `manifest`: only the tool_summary is known (not run since enabled); `registered`: the agent's own registration. */
  source: "manifest" | "registered";
  hash: string;
  pinnedAt: string;
  pinnedBy: string;
  tools: SurfaceTool[];
  /** A registered surface that differs from the pinned one, waiting for re-approval. */
  pending: { hash: string; since: string; tools: SurfaceTool[]; diff: SurfaceDiff } | null;
}

interface PinRow {
  agent_id: string;
  source: "manifest" | "registered";
  surface_hash: string;
  surface_json: string;
  pinned_at: string;
  pinned_by: string;
  pending_hash: string | null;
  pending_json: string | null;
  pending_since: string | null;
}

const parseTools = (json: string | null): SurfaceTool[] => {
  try {
    const v = JSON.parse(json ?? "[]");
    return Array.isArray(v) ? (v as SurfaceTool[]) : [];
  } catch {
    return [];
  }
};

/** The manifest's tool_summary as a provisional surface (names and descriptions only). */
export const manifestSurface = (m: Pick<Manifest, "tool_summary"> | null): SurfaceTool[] =>
  canonicalSurface((m?.tool_summary ?? []).map((t) => surfaceTool({ name: t.name, description: t.description })));

export interface ToolPinsDeps {
  sqlite: Database;
  audit: AuditLog;
  clock: Clock;
}

export class ToolPins {
  constructor(private readonly d: ToolPinsDeps) {}

  private row(agentId: string): PinRow | null {
    return this.d.sqlite.query<PinRow, [string]>("SELECT * FROM tool_surface_pins WHERE agent_id = ?").get(agentId);
  }

  view(agentId: string): PinnedSurface | null {
    const r = this.row(agentId);
    if (!r) return null;
    const tools = parseTools(r.surface_json);
    const pendingTools = r.pending_json === null ? null : parseTools(r.pending_json);
    return {
      agentId,
      source: r.source,
      hash: r.surface_hash,
      pinnedAt: r.pinned_at,
      pinnedBy: r.pinned_by,
      tools,
      pending: pendingTools && r.pending_hash && r.pending_since ? { hash: r.pending_hash, since: r.pending_since, tools: pendingTools, diff: diffSurface(tools, pendingTools) } : null,
    };
  }

  /** Writes the pin (only while the install exists: the row goes with it). */
  private pin(agentId: string, source: PinRow["source"], tools: SurfaceTool[], actor: string): string {
    const c = canonicalSurface(tools);
    const hash = surfaceHash(c);
    this.d.sqlite
      .query(
        `INSERT INTO tool_surface_pins (agent_id, source, surface_hash, surface_json, pinned_at, pinned_by)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM installs WHERE agent_id = ?1)
         ON CONFLICT (agent_id) DO UPDATE SET source = ?2, surface_hash = ?3, surface_json = ?4, pinned_at = ?5, pinned_by = ?6,
           pending_hash = NULL, pending_json = NULL, pending_since = NULL`,
      )
      .run(agentId, source, hash, canonicalJson(c), this.d.clock.iso(), actor);
    return hash;
  }

  /**
   * `agents enable`: pins the manifest's tool_summary when nothing is pinned
   * yet, and approves a pending surface (the re-approval). Returns what the
   * re-approval accepted, or null when nothing was pending.
   */
  onEnable(agentId: string, manifest: Manifest | null, actor: Actor, correlationId: string | null): SurfaceDiff | null {
    const r = this.row(agentId);
    if (!r) {
      const tools = manifestSurface(manifest);
      const hash = this.pin(agentId, "manifest", tools, actor);
      this.d.audit.record({ actor, action: "tools.surface_pinned", agentId, outcome: "ok", correlationId, details: { source: "manifest", hash, tools: tools.map((t) => t.name) } });
      return null;
    }
    const v = this.view(agentId);
    if (!v?.pending) return null;
    const hash = this.pin(agentId, "registered", v.pending.tools, actor);
    this.d.audit.record({
      actor,
      action: "tools.surface_approved",
      agentId,
      outcome: "ok",
      correlationId,
      details: { hash, previous_hash: v.hash, ...v.pending.diff },
    });
    return v.pending.diff;
  }

  /** Refuses unless the pending surface is the one the operator reviewed (its hash). */
  assertPending(agentId: string, hash: string): void {
    const pending = this.row(agentId)?.pending_hash ?? null;
    if (pending === hash) return;
    throw new AppError(
      "conflict",
      pending
        ? `the tools of ${agentId} changed again since you reviewed them; review the new changes (opensentience agents info ${agentId}) and re-approve`
        : `there is no pending tool change of ${agentId} to approve (it was approved already, or the agent went back to its approved tools)`,
    );
  }

  /**
   * A registration (only accepted tools): pins it when nothing or only the
   * manifest was pinned, otherwise compares it with the pin and returns the
   * blocked tools by name. Audits each new pin and each new difference.
   */
  checkRegistration(agentId: string, specs: ReadonlyArray<Parameters<typeof surfaceTool>[0]>, opts: { devMode: boolean }): Map<string, SurfaceBlock> {
    const blocked = new Map<string, SurfaceBlock>();
    const tools = canonicalSurface(specs.map(surfaceTool));
    const r = this.row(agentId);
    if (!r || r.source === "manifest") {
      const declared = new Set(parseTools(r?.surface_json ?? null).map((t) => t.name));
      const hash = this.pin(agentId, "registered", tools, "system");
      this.d.audit.record({
        actor: "system",
        action: "tools.surface_pinned",
        agentId,
        outcome: "ok",
        details: { source: "registered", hash, tools: tools.map((t) => t.name), ...(r ? { not_in_tool_summary: tools.map((t) => t.name).filter((n) => !declared.has(n)) } : { note: "nothing pinned before (enabled before pinning existed)" }) },
      });
      return blocked;
    }
    const hash = surfaceHash(tools);
    if (hash === r.surface_hash) {
      if (r.pending_hash) this.d.sqlite.query("UPDATE tool_surface_pins SET pending_hash = NULL, pending_json = NULL, pending_since = NULL WHERE agent_id = ?").run(agentId);
      return blocked;
    }
    const diff = diffSurface(parseTools(r.surface_json), tools);
    if (opts.devMode) {
      this.pin(agentId, "registered", tools, "system");
      this.d.audit.record({ actor: "system", action: "tools.surface_approved", agentId, outcome: "ok", details: { hash, previous_hash: r.surface_hash, auto: "dev mode: the agent runs from the operator's own checkout", ...diff } });
      return blocked;
    }
    for (const name of diff.added) blocked.set(name, { change: { kind: "added" }, message: blockedMessage(agentId, name, { kind: "added" }) });
    for (const c of diff.changed) blocked.set(c.name, { change: { kind: "changed", fields: c.fields }, message: blockedMessage(agentId, c.name, { kind: "changed", fields: c.fields }) });
    if (r.pending_hash !== hash) {
      this.d.sqlite
        .query("UPDATE tool_surface_pins SET pending_hash = ?, pending_json = ?, pending_since = ? WHERE agent_id = ?")
        .run(hash, canonicalJson(tools), this.d.clock.iso(), agentId);
      this.d.audit.record({
        actor: "system",
        action: "tools.surface_changed",
        agentId,
        outcome: blocked.size ? "denied" : "ok",
        details: { pinned_hash: r.surface_hash, hash, blocked: [...blocked.keys()], ...diff },
      });
    }
    return blocked;
  }
}
