/**
 * Approve-time check of a permission against this machine: a `filesystem:`
 * path that is `/`, inside the data directory, or resolves through a symlink
 * cannot be granted (the sandbox would refuse it at every start anyway), so
 * the user hears it where they decide. A path that does not exist yet may be
 * approved: it is granted once it exists (until then each start reports it).
 */
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { parsePermission } from "../manifest/permissions.ts";
import { checkFilesystemTarget, expandTarget } from "./plan.ts";

export function unapprovableHere(permission: string, dataHome: string, userHome = homedir()): string | null {
  const r = parsePermission(permission);
  if (!r.ok || r.permission.category !== "filesystem") return null;
  const target = r.permission.target;
  let real: string | null;
  try {
    real = realpathSync(expandTarget(target, userHome));
  } catch {
    real = null;
  }
  const c = checkFilesystemTarget(target, { userHome, dataHome, realpaths: { [target]: real } });
  if (c.ok) return null;
  return real === null && /does not exist/.test(c.reason) ? null : c.reason;
}
