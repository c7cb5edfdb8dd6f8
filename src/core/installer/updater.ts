/**
 * Update of a registry-installed agent: fetch the registry's current ref into
 * `agents/<id>/next`, show the commit range and the permission diff, build
 * there after confirmation, and swap it in only when the build succeeded — a
 * failed update leaves the working version untouched. Newly requested
 * permissions that are not approved leave the agent installed but disabled
 * (audited as `agent.permission_escalation`) until the user approves again.
 */
import { randomUUID } from "node:crypto";
import { AppError, toAppError } from "../errors.ts";
import { assertAgentId } from "../approvals/approvals.ts";
import { permissionDiff, requestedPermissions } from "../approvals/permission-diff.ts";
import type { Manifest } from "../manifest/schema.ts";
import { agentDirs, lockAgent, recoverDirs, swapIn } from "./agent-dirs.ts";
import { buildFailureMessage } from "./build.ts";
import { applyPermissionChange, COMMANDS_TEXT, type Confirm, confirmed, type OperationOptions } from "./context.ts";
import type { Installer } from "./installer.ts";
import { readManifestAtCommit } from "./read-manifest.ts";
import { removePath } from "./safe-paths.ts";
import { verifyPinnedCommit } from "./pinned-commit.ts";

export interface UpdatePlan {
  agentId: string;
  registry: string | null;
  gitUrl: string;
  ref: string;
  fromCommit: string | null;
  toCommit: string;
  /** The registry's pinned commit for this ref (toCommit was verified to equal it), or null. */
  pinnedCommit: string | null;
  upToDate: boolean;
  /** The new commit does not descend from the installed one. */
  historyRewritten: boolean;
  /** Commits in from..to, newest first (at most 50). */
  commits: Array<{ sha: string; subject: string }>;
  fromVersion: string | null;
  toVersion: string;
  permissions: { added: string[]; removed: string[] };
  /** Added permissions that are not approved: the agent will be disabled until approved. */
  escalation: string[];
  buildDirectory: string;
  installPath: string;
  commands: string[];
  env: Record<string, string>;
  warnings: string[];
}

export interface UpdateOptions extends OperationOptions {
  confirm?: Confirm<UpdatePlan>;
  /** Refuse unless the fetched commit is this one (what the user reviewed via checkUpdate). */
  expectCommit?: string;
}

export interface UpdateResult {
  agentId: string;
  upToDate: boolean;
  fromCommit: string | null;
  toCommit: string;
  permissions: { added: string[]; removed: string[] };
  escalation: string[];
  droppedApprovals: string[];
  enabled: boolean;
  installPath: string;
  buildLogPath: string;
  correlationId: string;
  durationMs: number;
}

type Prepared = { plan: UpdatePlan; manifest: Manifest };

export class Updater {
  constructor(private readonly installer: Installer) {}

  private get d() {
    return this.installer.ctx.d;
  }

  private installed(id: string) {
    assertAgentId(id);
    const i = this.d.catalog.installFor(id);
    if (!i) throw new AppError("not_found", `agent '${id}' is not installed`);
    if (i.source === "local") throw new AppError("conflict", `${id} is a local checkout built in place; rebuild it with 'agents install ${id} --local'`);
    if (i.state !== "installed") throw new AppError("conflict", `${id} is ${i.state}; re-run 'agents install ${id}' instead`);
    return i;
  }

  /** Fetches and describes the update without building or changing anything. */
  async checkUpdate(id: string, opts: OperationOptions): Promise<UpdatePlan> {
    this.installed(id);
    const dirs = agentDirs(this.d.paths.agentsDir, id);
    const release = lockAgent(dirs, id);
    try {
      recoverDirs(dirs);
      const { plan } = await this.prepare(id, opts.correlationId ?? randomUUID(), opts);
      return plan;
    } finally {
      removePath(dirs.next);
      release();
    }
  }

  private async prepare(id: string, correlationId: string, opts: OperationOptions): Promise<Prepared> {
    const i = this.installed(id);
    const dirs = agentDirs(this.d.paths.agentsDir, id);
    const listing = this.installer.ctx.listings(id).find((l) => l.source === "remote" && l.registryName === i.registryName && l.status === "available");
    const gitUrl = listing?.gitUrl ?? i.gitUrl;
    const ref = listing?.ref ?? i.ref ?? "HEAD";
    if (!gitUrl) throw new AppError("invalid_manifest", `no git URL known for ${id}`);
    this.installer.ctx.assertSourceAllowed(id, listing?.registryName ?? i.registryName, gitUrl);
    if (listing?.yankedReason) throw new AppError("conflict", `registry ${listing.registryName} has yanked ${id} (${listing.yankedReason}); refusing to update to it`);
    const warnings: string[] = [];
    if (!listing) warnings.push(`registry '${i.registryName}' no longer lists ${id}; updating from the installed source`);
    if (i.gitUrl && gitUrl !== i.gitUrl) warnings.push(`the registry moved ${id} from ${i.gitUrl} to ${gitUrl}`);
    const audit = (action: string, outcome: "ok" | "error" | "denied", details: Record<string, unknown>) =>
      this.d.audit.record({ actor: opts.actor, action, outcome, agentId: id, correlationId, details });
    this.installer.ctx.progress(id, "fetch", `fetching ${gitUrl} ${ref}`);
    const repo = { dir: dirs.next, bare: false };
    let toCommit: string;
    try {
      toCommit = await this.d.git.cloneInto(repo, gitUrl, ref);
    } catch (e) {
      audit("agent.fetch", "error", { git_url: gitUrl, ref, error: (e as Error).message });
      throw e;
    }
    audit("agent.fetch", "ok", { git_url: gitUrl, ref, commit: toCommit, installed_commit: i.commitSha, directory: dirs.next });
    const pinned = listing && listing.ref === ref ? listing.pinnedCommit : null;
    verifyPinnedCommit({ agentId: id, ref, commit: toCommit, pinned, action: "update" }, audit);
    const manifest = await readManifestAtCommit(this.d.git, repo, toCommit, listing?.manifestPath ?? "opensentience.agent.json", this.d.limits.max_manifest_bytes);
    if (manifest.id !== id) {
      audit("agent.manifest_mismatch", "denied", { installed_id: id, manifest_id: manifest.id, commit: toCommit });
      throw new AppError("invalid_manifest", `the new manifest has id '${manifest.id}', not '${id}'; refusing to update`);
    }
    const before = requestedPermissions(i.manifestJson);
    const diff = permissionDiff(before, manifest.permissions);
    const approved = this.d.catalog.approvalsFor(id).map((a) => a.permission);
    const from = i.commitSha;
    const historyRewritten = !!from && from !== toCommit && !(await this.d.git.isAncestor(repo, from, toCommit));
    if (historyRewritten) warnings.push(`the new commit ${toCommit.slice(0, 12)} does not descend from the installed ${from!.slice(0, 12)} (history rewritten)`);
    const oldVersion = this.d.catalog.installedManifest(id)?.version ?? null;
    const plan: UpdatePlan = {
      agentId: id,
      registry: i.registryName,
      gitUrl,
      ref,
      fromCommit: from,
      toCommit,
      pinnedCommit: pinned,
      upToDate: from === toCommit,
      historyRewritten,
      commits: from && !historyRewritten ? await this.d.git.log(repo, from, toCommit) : [],
      fromVersion: oldVersion,
      toVersion: manifest.version,
      permissions: diff,
      escalation: diff.added.filter((p) => !approved.includes(p)),
      buildDirectory: dirs.next,
      installPath: dirs.src,
      commands: COMMANDS_TEXT,
      env: this.installer.ctx.buildVars(),
      warnings,
    };
    return { plan, manifest };
  }

  async update(id: string, opts: UpdateOptions): Promise<UpdateResult> {
    const i = this.installed(id);
    const correlationId = opts.correlationId ?? randomUUID();
    const started = performance.now();
    const dirs = agentDirs(this.d.paths.agentsDir, id);
    const release = lockAgent(dirs, id);
    const audit = (action: string, outcome: "ok" | "error" | "denied" | "started", details: Record<string, unknown>) =>
      this.d.audit.record({ actor: opts.actor, action, outcome, agentId: id, correlationId, details });
    let plan: UpdatePlan | null = null;
    // Set once the runtime was asked to stop the agent for the swap: it is asked to resume it, whatever happens next.
    let stoppedForSwap = false;
    try {
      recoverDirs(dirs);
      audit("agent.update", "started", { registry: i.registryName, installed_commit: i.commitSha });
      const prepared = await this.prepare(id, correlationId, opts);
      plan = prepared.plan;
      const base = { registry: plan.registry, git_url: plan.gitUrl, ref: plan.ref, from_commit: plan.fromCommit, to_commit: plan.toCommit };
      if (opts.expectCommit && opts.expectCommit !== plan.toCommit) {
        throw new AppError("conflict", `the source moved: expected ${opts.expectCommit.slice(0, 12)}, fetched ${plan.toCommit.slice(0, 12)}; review the update again`);
      }
      if (plan.upToDate) {
        removePath(dirs.next);
        audit("agent.update", "ok", { ...base, up_to_date: true });
        this.installer.ctx.progress(id, "done", `${id} is up to date (${plan.toCommit.slice(0, 12)})`, { ok: true });
        return this.result(id, plan, { droppedApprovals: [], escalation: [] }, dirs.buildLog, correlationId, started);
      }
      if (plan.permissions.added.length || plan.permissions.removed.length) {
        audit("agent.manifest_diff", "ok", { ...base, added: plan.permissions.added, removed: plan.permissions.removed, unapproved: plan.escalation });
      }
      this.installer.ctx.progress(id, "confirm", `waiting for confirmation to build ${plan.toCommit.slice(0, 12)} in ${plan.buildDirectory}`);
      if (!(await confirmed(opts.confirm, plan))) {
        audit("agent.update", "denied", { ...base, reason: "build not confirmed" });
        throw new AppError("confirmation_required", `not updating ${id}: building runs its code (${plan.commands.join(", ")} in ${plan.buildDirectory}) and was not confirmed`);
      }
      const build = await this.installer.build(id, dirs.next, dirs, (a, o, d) => audit(a, o, d));
      if (!build.ok) {
        const msg = buildFailureMessage(id, build, this.d.limits.build_timeout_ms);
        this.installer.ctx.setInstall(id, { lastError: `update failed: ${msg}` });
        throw new AppError(build.timedOut ? "timeout" : "build_failed", `${msg}; the installed version ${plan.fromCommit?.slice(0, 12) ?? ""} is unchanged`, {
          details: { tail: build.tail, logPath: build.logPath },
        });
      }
      this.installer.ctx.progress(id, "swap", `switching ${id} to ${plan.toCommit.slice(0, 12)}`);
      stoppedForSwap = true;
      await this.d.hooks.stop(id, "updating");
      swapIn(dirs);
      const p = plan;
      const manifest = prepared.manifest;
      let change!: ReturnType<typeof applyPermissionChange>;
      this.d.catalog.transaction(() => {
        this.installer.ctx.setInstall(id, { commitSha: p.toCommit, gitUrl: p.gitUrl, ref: p.ref, manifestJson: JSON.stringify(manifest), lastError: null, installPath: dirs.src });
        change = applyPermissionChange(this.installer.ctx, id, requestedPermissions(i.manifestJson), manifest.permissions, i.enabled);
      });
      if (change.escalation.length) {
        audit("agent.permission_escalation", "ok", { ...base, added: change.added, unapproved: change.escalation, was_enabled: i.enabled, disabled: change.disabled });
      }
      audit("agent.update", "ok", {
        ...base,
        from_version: p.fromVersion,
        to_version: p.toVersion,
        commits: p.commits.length,
        history_rewritten: p.historyRewritten,
        commands: p.commands,
        permissions_added: change.added,
        permissions_removed: change.removed,
        approvals_dropped: change.droppedApprovals,
        escalation: change.escalation,
        duration_ms: Math.round(performance.now() - started),
      });
      const enabled = this.d.catalog.installFor(id)?.enabled ?? false;
      this.d.events.emit({ type: "agent.status", agentId: id, status: { state: "installed", enabled, reason: change.disabled ? "permission_escalation" : "updated" } });
      this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} updated` });
      this.installer.ctx.progress(id, "done", `updated ${id} to ${p.toVersion} (${p.toCommit.slice(0, 12)})${change.disabled ? "; disabled until new permissions are approved" : ""}`, { ok: true });
      return this.result(id, p, change, dirs.buildLog, correlationId, started);
    } catch (e) {
      const err = toAppError(e, `updating ${id}`);
      removePath(dirs.next);
      if (err.code !== "confirmation_required") audit("agent.update", "error", { from_commit: i.commitSha, to_commit: plan?.toCommit ?? null, code: err.code, error: err.message });
      this.installer.ctx.progress(id, "done", err.message, { ok: false });
      throw err;
    } finally {
      release();
      // After the lock: the agent starts from the swapped-in (or, on failure, the old) version, if it was running
      // and may still run; an escalation that disabled it leaves it stopped (see AgentHooks).
      if (stoppedForSwap) await this.d.hooks.resume(id, "updated");
    }
  }

  private result(id: string, p: UpdatePlan, c: { droppedApprovals: string[]; escalation: string[] }, buildLogPath: string, correlationId: string, started: number): UpdateResult {
    const i = this.d.catalog.installFor(id);
    return {
      agentId: id,
      upToDate: p.upToDate,
      fromCommit: p.fromCommit,
      toCommit: p.toCommit,
      permissions: p.permissions,
      escalation: c.escalation,
      droppedApprovals: c.droppedApprovals,
      enabled: i?.enabled ?? false,
      installPath: i?.installPath ?? p.installPath,
      buildLogPath,
      correlationId,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
