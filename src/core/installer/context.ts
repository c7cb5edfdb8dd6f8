/**
 * Shared plumbing of install / update / uninstall: dependencies, listing
 * lookup, progress events, and the install-row writes.
 */
import { resolve, sep } from "node:path";
import { and, eq } from "drizzle-orm";
import { type Actor, agents, approvals, installs, registries } from "../../db/schema.ts";
import type { AgentHooks } from "../approvals/agent-hooks.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Clock } from "../clock.ts";
import type { DataPaths } from "../config/paths.ts";
import type { Limits } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { EventBus } from "../events.ts";
import type { Git } from "../git/git.ts";
import { mixVars } from "../agent-env.ts";
import { localSourceProblem } from "../registry/local-sources.ts";
import type { SandboxPolicy } from "../sandbox/launcher.ts";
import { agentMixEnv, BUILD_COMMANDS } from "./build.ts";

export interface InstallerDeps {
  catalog: Catalog;
  audit: AuditLog;
  events: EventBus;
  clock: Clock;
  git: Git;
  paths: DataPaths;
  limits: Limits;
  hooks: AgentHooks;
  /**
   * Directory of the Elixir SDK, passed to builds as OPENSENTIENCE_SDK_PATH
   * (agent-env's `sdkPath`; lazy because the single binary writes its embedded
   * SDK into the data dir on first use). Null when unknown.
   */
  sdkPath: () => string | null;
  /** Caller environment; only PATH and LANG are read from it. */
  parentEnv?: Record<string, string | undefined>;
  /** Config `allow_local_sources` (default false): see registry/local-sources.ts. */
  allowLocalSources?: boolean;
  /** The sandbox policy (config `sandbox`): builds run in the build sandbox under `auto` and `required`. Default `auto`. */
  sandbox?: SandboxPolicy;
}

/** `true` (already confirmed, e.g. `--yes` or a UI confirm button) or a callback shown the plan. */
export type Confirm<P> = boolean | ((plan: P) => boolean | Promise<boolean>);

/** Anything but an explicit yes (including no answer) is a no: these operations run or delete code. */
export async function confirmed<P>(confirm: Confirm<P> | undefined, plan: P): Promise<boolean> {
  if (confirm === undefined || confirm === false) return false;
  if (confirm === true) return true;
  return (await confirm(plan)) === true;
}

export interface OperationOptions {
  actor: Actor;
  correlationId?: string;
}

export interface ListingRow {
  key: string;
  source: "local" | "remote";
  registryName: string | null;
  status: string;
  path: string | null;
  gitUrl: string | null;
  ref: string | null;
  pinnedCommit: string | null;
  manifestPath: string | null;
  permissionsJson: string;
  duplicateOf: string | null;
  deprecated: boolean;
  replacementId: string | null;
  /** The registry entry's yank reason: installing a yanked entry is refused. */
  yankedReason: string | null;
}

export const COMMANDS_TEXT = BUILD_COMMANDS.map((c) => c.join(" "));

export class InstallerContext {
  constructor(readonly d: InstallerDeps) {}

  private sdkCache: string | null | undefined;

  private sdk(): string | null {
    if (this.sdkCache === undefined) {
      try {
        this.sdkCache = this.d.sdkPath();
      } catch {
        this.sdkCache = null;
      }
    }
    return this.sdkCache;
  }

  /** The SDK directory builds use (null when unknown). */
  sdkDir(): string | null {
    return this.sdk();
  }

  progress(agentId: string, step: string, message: string, done?: { ok: boolean }): void {
    this.d.events.emit({ type: "progress", topic: `install:${agentId}`, agentId, step, message, ...(done ? { done: true, ok: done.ok } : {}) });
  }

  buildEnv(): Record<string, string> {
    return agentMixEnv(this.d.paths, this.sdk(), this.d.parentEnv);
  }

  /** Non-secret build variables, for plans and the audit trail. */
  buildVars(): Record<string, string> {
    return mixVars(this.d.paths, this.sdk());
  }

  listings(id: string): ListingRow[] {
    return this.d.catalog.db
      .select({
        key: agents.key,
        source: agents.source,
        registryName: agents.registryName,
        status: agents.status,
        path: agents.path,
        gitUrl: agents.gitUrl,
        ref: agents.ref,
        pinnedCommit: agents.pinnedCommit,
        manifestPath: agents.manifestPath,
        permissionsJson: agents.permissionsJson,
        duplicateOf: agents.duplicateOf,
        deprecated: agents.deprecated,
        replacementId: agents.replacementId,
        yankedReason: agents.yankedReason,
      })
      .from(agents)
      .where(eq(agents.agentId, id))
      .orderBy(agents.registryName, agents.path)
      .all();
  }

  /**
   * Picks the listing an install uses. Ambiguity is an error, never a guess:
   * two registries, or a registry and a local checkout, need `registry`/`local`.
   * Local listings inside the data directory (our own installs) never count.
   */
  pickListing(id: string, opts: { registry?: string; local?: boolean }): ListingRow {
    const rows = this.listings(id);
    const agentsDir = resolve(this.d.paths.agentsDir);
    const remote = rows.filter((r) => r.source === "remote" && r.status === "available" && (!opts.registry || r.registryName === opts.registry));
    const local = rows.filter(
      (r) => r.source === "local" && r.path && !r.duplicateOf && r.status !== "missing" && r.status !== "invalid" && !(resolve(r.path) + sep).startsWith(agentsDir + sep),
    );
    if (opts.local && opts.registry) throw new AppError("invalid_argument", "choose either a local checkout or a registry, not both");
    if (opts.local) {
      if (!local[0]) throw new AppError("not_found", `no local checkout of '${id}' in the catalog (run: opensentience discover PATH)`);
      return local[0];
    }
    if (opts.registry) {
      if (!remote[0]) throw new AppError("not_found", `registry '${opts.registry}' does not list '${id}' (run: opensentience registry sync ${opts.registry})`);
      return remote[0];
    }
    if (remote.length > 1) {
      throw new AppError("invalid_argument", `'${id}' is listed by several registries (${remote.map((r) => r.registryName).join(", ")}); choose one with --registry NAME`);
    }
    if (remote.length === 1 && local.length > 0) {
      throw new AppError("invalid_argument", `'${id}' exists as a local checkout (${local[0]!.path}) and in registry '${remote[0]!.registryName}'; choose with --local or --registry ${remote[0]!.registryName}`);
    }
    const pick = remote[0] ?? local[0];
    if (pick) return pick;
    if (rows.some((r) => r.status === "invalid")) throw new AppError("invalid_manifest", `'${id}' has an invalid manifest; fix it before installing (see: opensentience agents info ${id})`);
    throw new AppError("not_found", `no installable agent '${id}' in the catalog (try: opensentience registry sync, or opensentience agents search ${JSON.stringify(id)})`);
  }

  /**
   * Refuses a registry agent whose source is a local path when its registry is
   * not local (and the operator did not allow it). Sync already drops such
   * entries; this catches listings and installs from before that, and updates.
   * A registry that is gone counts as not local.
   */
  assertSourceAllowed(id: string, registry: string | null, gitUrl: string | null): void {
    if (!gitUrl) return;
    const row = registry ? this.d.catalog.db.select({ gitUrl: registries.gitUrl }).from(registries).where(eq(registries.name, registry)).get() : undefined;
    const problem = localSourceProblem({ registry: registry ?? "(removed)", registryUrl: row?.gitUrl ?? "", agentUrl: gitUrl, allowLocalSources: this.d.allowLocalSources ?? false });
    if (problem) throw new AppError("forbidden", `refusing ${id}: ${problem}`);
  }

  upsertInstall(values: Omit<typeof installs.$inferInsert, "installedAt" | "updatedAt"> & { installedAt?: string }): void {
    const now = this.d.clock.iso();
    const { installedAt, ...rest } = values;
    this.d.catalog.db
      .insert(installs)
      .values({ ...rest, installedAt: installedAt ?? now, updatedAt: now })
      .onConflictDoUpdate({ target: installs.agentId, set: { ...rest, ...(installedAt ? { installedAt } : {}), updatedAt: now } })
      .run();
  }

  setInstall(id: string, set: Partial<typeof installs.$inferInsert>): void {
    this.d.catalog.db.update(installs).set({ ...set, updatedAt: this.d.clock.iso() }).where(eq(installs.agentId, id)).run();
  }

  clearApprovals(id: string, keep: readonly string[] = []): string[] {
    const dropped = this.d.catalog
      .approvalsFor(id)
      .map((a) => a.permission)
      .filter((p) => !keep.includes(p));
    for (const p of dropped) this.d.catalog.db.delete(approvals).where(and(eq(approvals.agentId, id), eq(approvals.permission, p))).run();
    return dropped;
  }
}

export interface PermissionChange {
  added: string[];
  removed: string[];
  /** Newly requested permissions that are not approved: the agent is disabled until they are reviewed. */
  escalation: string[];
  /** Approvals dropped because the new manifest no longer requests them. */
  droppedApprovals: string[];
  /** True when this change turned `enabled` off. */
  disabled: boolean;
}

/**
 * Records a manifest change's effect on approvals (call inside a transaction):
 * approvals no longer requested are dropped; newly requested, unapproved
 * permissions disable the agent until the user approves again.
 */
export function applyPermissionChange(ctx: InstallerContext, id: string, before: readonly string[], after: readonly string[], wasEnabled: boolean): PermissionChange {
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  const approved = ctx.d.catalog.approvalsFor(id).map((a) => a.permission);
  const escalation = added.filter((p) => !approved.includes(p));
  const droppedApprovals = ctx.clearApprovals(id, after);
  const disabled = wasEnabled && escalation.length > 0;
  if (disabled) ctx.setInstall(id, { enabled: false });
  return { added, removed, escalation, droppedApprovals, disabled };
}
