/**
 * Enable / disable / revoke: the user's explicit grant of permissions to an
 * installed agent. An approval is always a subset of what the installed
 * manifest requests; each is stored with time and actor and audited.
 */
import { and, eq, inArray } from "drizzle-orm";
import { type Actor, approvals, installs } from "../../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import type { EventBus } from "../events.ts";
import { agentIdSchema } from "../manifest/schema.ts";
import type { AgentHooks } from "./agent-hooks.ts";
import type { ToolPins } from "./tool-pins.ts";
import type { SurfaceDiff } from "./tool-surface.ts";
import { quarantineBlocks } from "../registry/yanks.ts";

export interface ApprovalOptions {
  actor: Actor;
  correlationId?: string;
}

export interface ApprovalState {
  agentId: string;
  enabled: boolean;
  /** What the installed manifest requests. */
  requested: string[];
  /** What the user approved (always a subset of `requested`). */
  approved: string[];
  /** Requested but not approved: tools that need these cannot be called. */
  notApproved: string[];
}

export interface EnableResult extends ApprovalState {
  newlyApproved: string[];
  /** The changed tool surface this enable re-approved (its tools are unblocked), or null when none was pending. */
  toolSurfaceApproved?: SurfaceDiff | null;
}

export interface ApprovalsDeps {
  catalog: Catalog;
  audit: AuditLog;
  events: EventBus;
  clock: Clock;
  hooks: AgentHooks;
  /** Why a permission cannot be granted on this machine (e.g. a filesystem path through a symlink), or null. */
  unapprovable?: (permission: string) => string | null;
  /** Pinned tool surfaces: enable pins the first one and re-approves a changed one. */
  pins?: ToolPins;
}

export function assertAgentId(id: string): void {
  if (!agentIdSchema.safeParse(id).success) {
    throw new AppError("invalid_argument", `invalid agent id ${JSON.stringify(id.slice(0, 140))}: must be reverse-DNS like com.example.my_agent`);
  }
}

export class Approvals {
  constructor(private readonly d: ApprovalsDeps) {}

  private install(id: string) {
    assertAgentId(id);
    const i = this.d.catalog.installFor(id);
    if (!i) throw new AppError("not_found", `agent '${id}' is not installed (see: opensentience agents install ${id})`);
    return i;
  }

  state(id: string): ApprovalState {
    const i = this.install(id);
    const requested = [...(this.d.catalog.installedManifest(id)?.permissions ?? [])];
    const approved = this.d.catalog.approvalsFor(id).map((a) => a.permission);
    return { agentId: id, enabled: i.enabled, requested, approved, notApproved: requested.filter((p) => !approved.includes(p)) };
  }

  /**
   * Approves `approve` (or every requested permission with `approveAll`) and
   * enables the agent. Unknown permissions are refused, nothing is changed then.
   */
  enable(id: string, opts: ApprovalOptions & { approve?: string[]; approveAll?: boolean; overrideYank?: boolean; expectSurfaceHash?: string }): EnableResult {
    const i = this.install(id);
    const base = { actor: opts.actor, agentId: id, correlationId: opts.correlationId ?? null };
    if (i.state !== "installed") {
      this.d.audit.record({ ...base, action: "agent.enable", outcome: "denied", details: { reason: `state is ${i.state}` } });
      throw new AppError("conflict", `agent '${id}' is ${i.state}, not installed; only installed agents can be enabled`);
    }
    // A yanked registry entry quarantined the agent: only an explicit, audited override enables it.
    const overridesYank = quarantineBlocks(i) && opts.overrideYank === true;
    if (quarantineBlocks(i) && !overridesYank) {
      this.d.audit.record({ ...base, action: "agent.enable", outcome: "denied", details: { reason: "quarantined", yank_reason: i.quarantineReason } });
      throw new AppError("conflict", `agent '${id}' is quarantined: its registry entry is yanked (${i.quarantineReason}); enable it only if you trust it anyway: opensentience agents enable ${id} --override-yank`);
    }
    if (opts.approveAll && opts.approve?.length) throw new AppError("invalid_argument", "give either a permission list or approve-all, not both");
    const requested = [...(this.d.catalog.installedManifest(id)?.permissions ?? [])];
    const wanted = opts.approveAll ? requested : [...new Set((opts.approve ?? []).map((p) => p.trim()).filter(Boolean))];
    const unknown = wanted.filter((p) => !requested.includes(p));
    if (unknown.length) {
      this.d.audit.record({ ...base, action: "agent.enable", outcome: "denied", details: { reason: "not requested", unknown } });
      throw new AppError(
        "invalid_argument",
        `cannot approve ${unknown.map((p) => `'${p}'`).join(", ")} for ${id}: not requested by its manifest (requested: ${requested.length ? requested.join(", ") : "none"})`,
      );
    }
    const bad = wanted.flatMap((p) => {
      const why = this.d.unapprovable?.(p);
      return why ? [`'${p}': ${why}`] : [];
    });
    if (bad.length) {
      this.d.audit.record({ ...base, action: "agent.enable", outcome: "denied", details: { reason: "not grantable", problems: bad } });
      throw new AppError("invalid_argument", `cannot approve for ${id}: ${bad.join("; ")}`);
    }
    // The UI re-approves the tool changes it showed: refuse if the agent registered yet another surface since.
    if (opts.expectSurfaceHash !== undefined) this.d.pins?.assertPending(id, opts.expectSurfaceHash);
    const before = new Set(this.d.catalog.approvalsFor(id).map((a) => a.permission));
    const newlyApproved = wanted.filter((p) => !before.has(p));
    const now = this.d.clock.iso();
    this.d.catalog.transaction(() => {
      for (const p of newlyApproved) {
        this.d.catalog.db.insert(approvals).values({ agentId: id, permission: p, approvedAt: now, actor: opts.actor }).onConflictDoNothing().run();
      }
      this.d.catalog.db
        .update(installs)
        .set({ enabled: true, updatedAt: now, ...(overridesYank ? { yankOverrideReason: i.quarantineReason, yankOverrideAt: now } : {}) })
        .where(eq(installs.agentId, id))
        .run();
    });
    if (overridesYank) this.d.audit.record({ ...base, action: "agent.yank_override", outcome: "ok", details: { yank_reason: i.quarantineReason } });
    // Before the status event: the runtime re-checks the live tools against the pin when it hears it.
    const toolSurfaceApproved = this.d.pins?.onEnable(id, this.d.catalog.installedManifest(id), opts.actor, opts.correlationId ?? null) ?? null;
    const s = this.state(id);
    this.d.audit.record({
      ...base,
      action: "agent.enable",
      outcome: "ok",
      details: { approved: s.approved, newly_approved: newlyApproved, not_approved: s.notApproved, was_enabled: i.enabled, ...(overridesYank ? { override_yank: i.quarantineReason } : {}) },
    });
    this.d.events.emit({ type: "agent.status", agentId: id, status: { state: "installed", enabled: true, reason: "enabled", approved: s.approved } });
    this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} enabled` });
    return { ...s, newlyApproved, toolSurfaceApproved };
  }

  /** Disables the agent (approvals are kept); the runtime is asked to stop it. */
  async disable(id: string, opts: ApprovalOptions): Promise<ApprovalState & { wasEnabled: boolean }> {
    const i = this.install(id);
    // The intent goes with it even when no daemon runs to hear the kill switch: re-enabling must not restart it by itself.
    this.d.catalog.db.update(installs).set({ enabled: false, runIntent: "stopped", updatedAt: this.d.clock.iso() }).where(eq(installs.agentId, id)).run();
    this.d.audit.record({ actor: opts.actor, agentId: id, correlationId: opts.correlationId ?? null, action: "agent.disable", outcome: "ok", details: { was_enabled: i.enabled } });
    this.d.events.emit({ type: "agent.status", agentId: id, status: { state: i.state, enabled: false, reason: "disabled" } });
    this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} disabled` });
    await this.d.hooks.stop(id, "disabled");
    return { ...this.state(id), wasEnabled: i.enabled };
  }

  /** Withdraws one approval; the agent stays enabled with the rest (the runtime restarts it to apply). */
  async revoke(id: string, permission: string, opts: ApprovalOptions): Promise<ApprovalState & { revoked: string }> {
    this.install(id);
    const had = this.d.catalog.approvalsFor(id).some((a) => a.permission === permission);
    if (!had) {
      throw new AppError("not_found", `'${permission}' is not approved for ${id} (approved: ${this.d.catalog.approvalsFor(id).map((a) => a.permission).join(", ") || "none"})`);
    }
    this.d.catalog.db.transaction((tx) => {
      tx.delete(approvals).where(and(eq(approvals.agentId, id), inArray(approvals.permission, [permission]))).run();
      tx.update(installs).set({ runIntent: "stopped", updatedAt: this.d.clock.iso() }).where(eq(installs.agentId, id)).run();
    });
    const s = this.state(id);
    this.d.audit.record({ actor: opts.actor, agentId: id, correlationId: opts.correlationId ?? null, action: "agent.revoke", outcome: "ok", details: { permission, approved: s.approved } });
    this.d.events.emit({ type: "agent.status", agentId: id, status: { state: "installed", enabled: s.enabled, reason: "permission_revoked", approved: s.approved } });
    this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} permission revoked` });
    await this.d.hooks.stop(id, "permission_revoked");
    return { ...s, revoked: permission };
  }
}
