/**
 * Install and uninstall. Installing = fetching third-party code with hardened
 * git, then BUILDING it (`mix deps.get`, `mix compile`: their code runs), so it
 * happens only after an explicit confirmation that was shown the source, the
 * commit, the directory and the exact commands. Every step is audited under one
 * correlation id and reported as `progress` events on topic `install:<id>`.
 *
 * Remote agents are fetched into `agents/<id>/next`, built there and renamed to
 * `agents/<id>/src` only when the build succeeds. Local agents are built in place
 * (dev mode). A failed build leaves `installs.state = install_failed`, never
 * `installed`.
 */
import { requireBuildToolchain } from "./toolchain.ts";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { AppError, toAppError } from "../errors.ts";
import { assertAgentId } from "../approvals/approvals.ts";
import { permissionDiff, requestedPermissions } from "../approvals/permission-diff.ts";
import { assertRef } from "../git/git.ts";
import type { Manifest } from "../manifest/schema.ts";
import { type AgentDirs, agentDirs, lockAgent, recoverDirs, swapIn } from "./agent-dirs.ts";
import { toolchainDirs } from "../agent-env.ts";
import { prepareBuildSandbox } from "../sandbox/build-sandbox.ts";
import { type BuildResult, buildFailureMessage, runBuild } from "./build.ts";
import { applyPermissionChange, COMMANDS_TEXT, type Confirm, confirmed, InstallerContext, type InstallerDeps, type ListingRow, type OperationOptions } from "./context.ts";
import { type InstallOptions, type InstallPlan, planFor } from "./install-plan.ts";
import { readLocalManifest, readManifestAtCommit } from "./read-manifest.ts";
import { removePath } from "./safe-paths.ts";
import { planUninstall, type UninstallPlan, type UninstallResult, uninstall } from "./uninstall.ts";
import { verifyPinnedCommit } from "./pinned-commit.ts";

// Callers import these from here; they live next to what they describe.
export { buildFailureMessage } from "./build.ts";
export { confirmed } from "./context.ts";
export type { InstallOptions, InstallPlan } from "./install-plan.ts";
export type { UninstallPlan, UninstallResult } from "./uninstall.ts";

export interface InstallResult {
  agentId: string;
  state: "installed";
  source: "local" | "remote";
  registry: string | null;
  gitUrl: string | null;
  ref: string | null;
  commit: string | null;
  installPath: string;
  devMode: boolean;
  buildLogPath: string;
  permissionsRequested: string[];
  permissionDiff: { added: string[]; removed: string[] } | null;
  enabled: boolean;
  /** How the build was confined: `warning` is set when it ran WITHOUT the sandbox under `sandbox: auto`. */
  buildSandbox: { sandboxed: boolean; warning: string | null };
  correlationId: string;
  durationMs: number;
}

/** A build's outcome and how it was confined. */
export interface InstallerBuildResult extends BuildResult {
  sandbox: { sandboxed: boolean; warning: string | null };
}

export class Installer {
  readonly ctx: InstallerContext;

  constructor(deps: InstallerDeps) {
    this.ctx = new InstallerContext(deps);
  }

  private get d() {
    return this.ctx.d;
  }

  /** The plan before anything is fetched (for a confirmation screen). Pure catalog read. */
  planInstall(id: string, opts: Omit<InstallOptions, "actor" | "confirm"> = {}): InstallPlan {
    assertAgentId(id);
    if (opts.ref !== undefined) assertRef(opts.ref);
    const listing = this.ctx.pickListing(id, opts);
    // No plan (and no question) for a build that cannot run here.
    requireBuildToolchain(id, (this.d.parentEnv ?? process.env).PATH);
    return planFor(this.ctx, id, listing, opts.ref);
  }

  /**
   * The plan with the commit its ref names at the source now (headCommit), so
   * a confirmation screen can show the exact commit; asks the remote with `git
   * ls-remote` (no objects fetched, no code run). A source that cannot be
   * asked leaves headCommit null with a warning.
   */
  async planInstallWithHead(id: string, opts: Omit<InstallOptions, "actor" | "confirm"> = {}): Promise<InstallPlan> {
    const plan = this.planInstall(id, opts);
    if (plan.source !== "remote" || !plan.gitUrl || !plan.ref) return plan;
    try {
      plan.headCommit = await this.d.git.lsRemote(plan.gitUrl, plan.ref);
      if (!plan.headCommit) plan.warnings.push(`the source has no ref '${plan.ref}'; the install will fail to fetch it`);
    } catch (e) {
      plan.warnings.push(`could not ask the source which commit '${plan.ref}' names: ${toAppError(e).message}`);
    }
    return plan;
  }

  async install(id: string, opts: InstallOptions): Promise<InstallResult> {
    assertAgentId(id);
    if (opts.ref !== undefined) assertRef(opts.ref);
    const listing = this.ctx.pickListing(id, opts);
    // Before anything is fetched, audited or recorded.
    requireBuildToolchain(id, (this.d.parentEnv ?? process.env).PATH);
    const plan = planFor(this.ctx, id, listing, opts.ref);
    const existing = this.d.catalog.installFor(id);
    if (existing && existing.state === "installed" && !(plan.source === "local" && existing.source === "local")) {
      throw new AppError("conflict", `${id} is already installed from ${existing.source === "remote" ? `registry ${existing.registryName}` : existing.installPath}; use 'agents update ${id}' or uninstall it first`);
    }
    const correlationId = opts.correlationId ?? randomUUID();
    const started = performance.now();
    const dirs = agentDirs(this.d.paths.agentsDir, id);
    const release = lockAgent(dirs, id);
    const audit = (action: string, outcome: "ok" | "error" | "denied" | "started", details: Record<string, unknown>) =>
      this.d.audit.record({ actor: opts.actor, action, outcome, agentId: id, correlationId, details });
    const base = { source: plan.source, registry: plan.registry, git_url: plan.gitUrl, ref: plan.ref, install_path: plan.installPath, build_directory: plan.buildDirectory };
    let rowWritten = false;
    try {
      if (plan.source === "remote") recoverDirs(dirs);
      audit("agent.install", "started", base);
      this.ctx.progress(id, "start", `installing ${id} from ${plan.source === "remote" ? `registry ${plan.registry}` : plan.installPath}`);
      let manifest: Manifest;
      if (plan.source === "remote") {
        manifest = await this.fetchRemote(id, listing, plan, dirs, audit);
        if (opts.expectCommit && opts.expectCommit !== plan.commit) {
          throw new AppError("conflict", `the source moved: the plan showed ${opts.expectCommit.slice(0, 12)}, the fetch got ${plan.commit?.slice(0, 12) ?? "nothing"}; review the install again`);
        }
      } else {
        manifest = readLocalManifest(plan.buildDirectory, this.d.limits.max_manifest_bytes);
        if (manifest.id !== id) throw new AppError("invalid_manifest", `manifest in ${plan.buildDirectory} now has id '${manifest.id}', not '${id}'`);
        plan.permissionsRequested = manifest.permissions;
      }
      this.ctx.progress(id, "confirm", `waiting for confirmation to build in ${plan.buildDirectory}`);
      if (!(await confirmed(opts.confirm, plan))) {
        audit("agent.install", "denied", { ...base, commit: plan.commit, reason: "build not confirmed" });
        throw new AppError("confirmation_required", `not installing ${id}: building runs its code (${plan.commands.join(", ")} in ${plan.buildDirectory}) and was not confirmed`);
      }
      const wasEnabled = existing?.enabled ?? false;
      this.ctx.upsertInstall({
        agentId: id,
        source: plan.source,
        registryName: plan.registry,
        gitUrl: plan.gitUrl,
        ref: plan.ref,
        commitSha: plan.commit,
        installPath: plan.installPath,
        state: "installing",
        enabled: plan.rebuild ? wasEnabled : false,
        devMode: plan.source === "local",
        manifestJson: existing?.manifestJson ?? null,
        buildLogPath: dirs.buildLog,
        lastError: null,
      });
      rowWritten = true;
      if (!plan.rebuild) this.ctx.clearApprovals(id);
      const build = await this.build(id, plan.buildDirectory, dirs, audit);
      if (!build.ok) {
        const msg = buildFailureMessage(id, build, this.d.limits.build_timeout_ms);
        if (plan.source === "remote") removePath(dirs.next);
        this.ctx.setInstall(id, { state: "install_failed", lastError: msg });
        throw new AppError(build.timedOut ? "timeout" : "build_failed", msg, { details: { tail: build.tail, logPath: build.logPath } });
      }
      if (plan.source === "remote") swapIn(dirs);
      let change = null;
      this.d.catalog.transaction(() => {
        this.ctx.setInstall(id, { state: "installed", manifestJson: JSON.stringify(manifest), commitSha: plan.commit, lastError: null, installPath: plan.installPath, installedAt: this.d.clock.iso() });
        if (plan.rebuild) change = applyPermissionChange(this.ctx, id, requestedPermissions(existing?.manifestJson ?? null), manifest.permissions, wasEnabled);
      });
      const c = change as ReturnType<typeof applyPermissionChange> | null;
      if (c?.escalation.length) {
        audit("agent.permission_escalation", "ok", { added: c.added, unapproved: c.escalation, was_enabled: wasEnabled, disabled: c.disabled });
        if (c.disabled) await this.d.hooks.stop(id, "permission_escalation");
      }
      const enabled = this.d.catalog.installFor(id)?.enabled ?? false;
      audit("agent.install", "ok", {
        ...base,
        commit: plan.commit,
        commands: plan.commands,
        manifest_version: manifest.version,
        permissions_requested: manifest.permissions,
        dev_mode: plan.source === "local",
        duration_ms: Math.round(performance.now() - started),
      });
      this.d.events.emit({ type: "agent.status", agentId: id, status: { state: "installed", enabled, reason: "installed" } });
      this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} installed` });
      this.ctx.progress(id, "done", `installed ${id} ${manifest.version}${plan.commit ? ` (${plan.commit.slice(0, 12)})` : ""}`, { ok: true });
      return {
        agentId: id,
        state: "installed",
        source: plan.source,
        registry: plan.registry,
        gitUrl: plan.gitUrl,
        ref: plan.ref,
        commit: plan.commit,
        installPath: plan.installPath,
        devMode: plan.source === "local",
        buildLogPath: dirs.buildLog,
        permissionsRequested: manifest.permissions,
        permissionDiff: plan.permissionDiff,
        enabled,
        buildSandbox: build.sandbox,
        correlationId,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (e) {
      const err = toAppError(e, `installing ${id}`);
      if (plan.source === "remote") removePath(dirs.next);
      if (rowWritten && this.d.catalog.installFor(id)?.state === "installing") this.ctx.setInstall(id, { state: "install_failed", lastError: err.message });
      if (err.code !== "confirmation_required") audit("agent.install", "error", { ...base, commit: plan.commit, code: err.code, error: err.message });
      this.ctx.progress(id, "done", err.message, { ok: false });
      if (rowWritten) this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} install failed` });
      throw err;
    } finally {
      release();
      // Nothing recorded (not confirmed, fetch failed …): leave no empty agents/<id> behind.
      if (!this.d.catalog.installFor(id)) removePath(dirs.root);
    }
  }

  /** Fetches into `next`, checks the pin and the manifest; fills in plan.commit / permissions. */
  private async fetchRemote(
    id: string,
    listing: ListingRow,
    plan: InstallPlan,
    dirs: AgentDirs,
    audit: (a: string, o: "ok" | "error" | "denied", d: Record<string, unknown>) => void,
  ): Promise<Manifest> {
    if (!plan.gitUrl) throw new AppError("invalid_manifest", `registry entry for ${id} has no git_url`);
    this.ctx.progress(id, "fetch", `fetching ${plan.gitUrl} ${plan.ref}`);
    let commit: string;
    try {
      commit = await this.d.git.cloneInto({ dir: dirs.next, bare: false }, plan.gitUrl, plan.ref!);
    } catch (e) {
      audit("agent.fetch", "error", { git_url: plan.gitUrl, ref: plan.ref, error: (e as Error).message });
      throw e;
    }
    plan.commit = commit;
    audit("agent.fetch", "ok", { git_url: plan.gitUrl, ref: plan.ref, commit, pinned_commit: plan.pinnedCommit, directory: dirs.next });
    verifyPinnedCommit({ agentId: id, ref: plan.ref!, commit, pinned: plan.pinnedCommit, action: "install" }, audit);
    this.ctx.progress(id, "manifest", `reading ${listing.manifestPath ?? "opensentience.agent.json"} at ${commit.slice(0, 12)}`);
    const manifest = await readManifestAtCommit(this.d.git, { dir: dirs.next, bare: false }, commit, listing.manifestPath ?? "opensentience.agent.json", this.d.limits.max_manifest_bytes);
    if (manifest.id !== id) {
      audit("agent.manifest_mismatch", "denied", { registry_id: id, manifest_id: manifest.id, commit });
      throw new AppError("invalid_manifest", `the fetched manifest has id '${manifest.id}', but the registry lists it as '${id}'; refusing to install`);
    }
    const diff = permissionDiff(plan.permissionsRequested, manifest.permissions);
    plan.permissionDiff = diff;
    if (diff.added.length || diff.removed.length) {
      audit("agent.manifest_diff", "ok", { registry_permissions: plan.permissionsRequested, manifest_permissions: manifest.permissions, added: diff.added, removed: diff.removed, commit });
      plan.warnings.push(`the fetched manifest's permissions differ from the registry's copy (added: ${diff.added.join(", ") || "none"}; removed: ${diff.removed.join(", ") || "none"})`);
    }
    plan.permissionsRequested = manifest.permissions;
    return manifest;
  }

  /**
   * Runs the build with the hardened env and deadline, inside the build sandbox
   * when the policy and the machine allow (sandbox/build-sandbox.ts; throws
   * `forbidden` under `sandbox: required` without one); audits the commands,
   * the confinement and the outcome.
   */
  async build(
    id: string,
    dir: string,
    dirs: AgentDirs,
    audit: (a: string, o: "ok" | "error", d: Record<string, unknown>) => void,
  ): Promise<InstallerBuildResult> {
    this.ctx.progress(id, "build", `building in ${dir}`);
    const t = toolchainDirs(this.d.paths);
    for (const p of [t.home, t.mixHome, t.hexHome]) mkdirSync(p, { recursive: true, mode: 0o700 });
    const row = this.d.catalog.installFor(id);
    const sandbox = prepareBuildSandbox(
      { policy: this.d.sandbox ?? "auto", dataHome: this.d.paths.home, home: t.home, readOnly: [t.mixHome, t.hexHome, ...(this.ctx.sdkDir() ? [this.ctx.sdkDir()!] : [])] },
      id,
      dir,
      // Local dependencies (path:, file:// git) are shown only to agents whose own source is on this machine.
      { allowLocalDeps: row?.source === "local" || (row?.gitUrl ?? "").startsWith("file://") },
    );
    if (sandbox.warning) this.ctx.progress(id, "build.warning", sandbox.warning);
    const result = await runBuild({
      dir,
      env: { ...this.ctx.buildEnv(), ...sandbox.env },
      wrap: sandbox.wrap,
      notes: sandbox.notes,
      timeoutMs: this.d.limits.build_timeout_ms,
      logPath: dirs.buildLog,
      onStep: (command) => this.ctx.progress(id, "build.step", command),
      onLine: (line) => this.ctx.progress(id, "build.output", line),
    });
    audit("agent.build", result.ok ? "ok" : "error", {
      directory: dir,
      commands: COMMANDS_TEXT,
      env: this.ctx.buildVars(),
      steps: result.steps,
      timed_out: result.timedOut,
      log_path: result.logPath,
      tail: result.ok ? undefined : result.tail.slice(-10),
      duration_ms: result.durationMs,
      sandboxed: sandbox.sandboxed,
      ...(sandbox.warning ? { sandbox_warning: sandbox.warning } : {}),
      ...(sandbox.plans ? { network: { "deps.get": sandbox.plans["deps.get"].network.mode, compile: sandbox.plans.compile.network.mode }, writable: [dir] } : {}),
    });
    return { ...result, sandbox: { sandboxed: sandbox.sandboxed, warning: sandbox.warning } };
  }

  planUninstall(id: string): UninstallPlan {
    return planUninstall(this.ctx, id);
  }

  /**
   * Stops the agent (hook), deletes its install row and approvals, and removes
   * `agents/<id>`. A local checkout is left untouched (only our build log goes).
   */
  uninstall(id: string, opts: OperationOptions & { confirm?: Confirm<UninstallPlan> }): Promise<UninstallResult> {
    return uninstall(this.ctx, id, opts);
  }
}
