/**
 * What an install will do, computed from the catalog alone (nothing fetched):
 * the confirmation screen shows this before any third-party code is touched.
 * `install` later fills in the commit and the fetched manifest's permissions.
 */
import { AppError } from "../errors.ts";
import { agentDirs } from "./agent-dirs.ts";
import { COMMANDS_TEXT, type Confirm, type InstallerContext, type ListingRow, type OperationOptions } from "./context.ts";

export interface InstallPlan {
  agentId: string;
  source: "local" | "remote";
  registry: string | null;
  gitUrl: string | null;
  ref: string | null;
  /** Commit the registry pins for its default ref (verified after fetching). */
  pinnedCommit: string | null;
  /** Where the commands run (third-party code executes here). */
  buildDirectory: string;
  /** Where the agent lives once installed. */
  installPath: string;
  /** Exact commands, in order. */
  commands: string[];
  /** Build variables (non-secret). */
  env: Record<string, string>;
  /** Permissions requested: the registry's copy before fetching, the fetched manifest after. */
  permissionsRequested: string[];
  /**
   * The commit `ref` names at the source when the plan was made (`git
   * ls-remote`, nothing fetched): what the confirmation screen shows. Null
   * for a local checkout, or when the source could not be asked (see warnings).
   */
  headCommit: string | null;
  /** Set once the code is fetched (in the confirm callback). */
  commit: string | null;
  /** Fetched manifest vs the registry's copy (remote only, after fetching). */
  permissionDiff: { added: string[]; removed: string[] } | null;
  /** True when re-building an installed local agent. */
  rebuild: boolean;
  warnings: string[];
}

export interface InstallOptions extends OperationOptions {
  /** Branch, tag or commit instead of the registry's default_ref. */
  ref?: string;
  /** Use this registry's listing. */
  registry?: string;
  /** Use the local checkout. */
  local?: boolean;
  confirm?: Confirm<InstallPlan>;
  /** Refuse unless the fetched commit is this one (the plan's headCommit the user reviewed). */
  expectCommit?: string;
}

/** The plan for installing `id` from listing `l` (a remote ref override applies to registry agents only). */
export function planFor(ctx: InstallerContext, id: string, l: ListingRow, refOverride?: string): InstallPlan {
  const dirs = agentDirs(ctx.d.paths.agentsDir, id);
  const existing = ctx.d.catalog.installFor(id);
  const warnings: string[] = [];
  if (l.source === "remote") {
    ctx.assertSourceAllowed(id, l.registryName, l.gitUrl);
    if (l.yankedReason) throw new AppError("conflict", `registry ${l.registryName} has yanked ${id} (${l.yankedReason}); refusing to install it`);
    const ref = refOverride ?? l.ref ?? "HEAD";
    if (refOverride && l.pinnedCommit && refOverride !== l.ref) warnings.push(`--ref ${refOverride} overrides the registry's default ref; its pinned commit is not checked`);
    if (l.deprecated) warnings.push(`registry ${l.registryName} marks ${id} as deprecated${l.replacementId ? `; it suggests ${l.replacementId} instead` : ""}`);
    return {
      agentId: id,
      source: "remote",
      registry: l.registryName,
      gitUrl: l.gitUrl,
      ref,
      pinnedCommit: ref === l.ref ? l.pinnedCommit : null,
      buildDirectory: dirs.next,
      installPath: dirs.src,
      commands: COMMANDS_TEXT,
      env: ctx.buildVars(),
      permissionsRequested: safeList(l.permissionsJson),
      headCommit: null,
      commit: null,
      permissionDiff: null,
      rebuild: false,
      warnings,
    };
  }
  if (refOverride) throw new AppError("invalid_argument", "--ref applies to registry agents only; a local checkout is built as it is");
  return {
    agentId: id,
    source: "local",
    registry: null,
    gitUrl: null,
    ref: null,
    pinnedCommit: null,
    buildDirectory: l.path!,
    installPath: l.path!,
    commands: COMMANDS_TEXT,
    env: ctx.buildVars(),
    permissionsRequested: safeList(l.permissionsJson),
    headCommit: null,
    commit: null,
    permissionDiff: null,
    rebuild: existing?.source === "local" && existing.state === "installed",
    warnings: existing?.source === "local" && existing.installPath !== l.path ? [`replaces the local install at ${existing.installPath}`] : [],
  };
}

/** The catalog's permissions column is display data: a malformed value means "none known", not an error. */
function safeList(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
