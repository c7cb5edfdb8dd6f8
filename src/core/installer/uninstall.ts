/**
 * Uninstall: stop the agent (hook), delete its install row and approvals, and
 * remove `agents/<id>`. A local checkout is left untouched (only our build log
 * inside `agents/<id>` goes).
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { eq } from "drizzle-orm";
import { installs } from "../../db/schema.ts";
import { assertAgentId } from "../approvals/approvals.ts";
import { AppError, toAppError } from "../errors.ts";
import { agentDirs, lockAgent } from "./agent-dirs.ts";
import { type Confirm, confirmed, type InstallerContext, type OperationOptions } from "./context.ts";
import { removePath } from "./safe-paths.ts";

export interface UninstallPlan {
  agentId: string;
  source: "local" | "remote";
  installPath: string;
  /** Paths that will be deleted (a local checkout is never deleted). */
  removes: string[];
}

export interface UninstallResult {
  agentId: string;
  removed: string[];
  correlationId: string;
}

export function planUninstall(ctx: InstallerContext, id: string): UninstallPlan {
  assertAgentId(id);
  const i = ctx.d.catalog.installFor(id);
  if (!i) throw new AppError("not_found", `agent '${id}' is not installed`);
  const dirs = agentDirs(ctx.d.paths.agentsDir, id);
  return { agentId: id, source: i.source, installPath: i.installPath, removes: existsSync(dirs.root) ? [dirs.root] : [] };
}

export async function uninstall(ctx: InstallerContext, id: string, opts: OperationOptions & { confirm?: Confirm<UninstallPlan> }): Promise<UninstallResult> {
  const d = ctx.d;
  const plan = planUninstall(ctx, id);
  const correlationId = opts.correlationId ?? randomUUID();
  const audit = (outcome: "ok" | "error" | "denied", details: Record<string, unknown>) =>
    d.audit.record({ actor: opts.actor, action: "agent.uninstall", outcome, agentId: id, correlationId, details });
  if (!(await confirmed(opts.confirm, plan))) {
    audit("denied", { reason: "not confirmed", install_path: plan.installPath });
    throw new AppError("confirmation_required", `not uninstalling ${id}: not confirmed`);
  }
  const dirs = agentDirs(d.paths.agentsDir, id);
  const release = lockAgent(dirs, id);
  try {
    ctx.progress(id, "stop", `stopping ${id}`);
    d.events.emit({ type: "agent.status", agentId: id, status: { state: "uninstalling", enabled: false, reason: "uninstalled" } });
    await d.hooks.stop(id, "uninstalled");
    const approved = d.catalog.approvalsFor(id).map((a) => a.permission);
    d.catalog.transaction(() => {
      ctx.clearApprovals(id);
      d.catalog.db.delete(installs).where(eq(installs.agentId, id)).run();
    });
    removePath(dirs.root);
    audit("ok", { source: plan.source, install_path: plan.installPath, removed: plan.removes, approvals_dropped: approved });
    d.events.emit({ type: "agent.status", agentId: id, status: { state: "uninstalled", enabled: false, reason: "uninstalled" } });
    d.events.emit({ type: "catalog.changed", reason: `agent ${id} uninstalled` });
    ctx.progress(id, "done", `uninstalled ${id}`, { ok: true });
    return { agentId: id, removed: plan.removes, correlationId };
  } catch (e) {
    const err = toAppError(e, `uninstalling ${id}`);
    audit("error", { code: err.code, error: err.message });
    ctx.progress(id, "done", err.message, { ok: false });
    throw err;
  } finally {
    release();
  }
}
