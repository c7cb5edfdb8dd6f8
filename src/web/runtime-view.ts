/**
 * The runtime remembers an agent's last exit by id for the daemon's life, so
 * after an uninstall + install the old install's exit would still show. The
 * agent page shows only an exit of the current install (assets/live.js
 * `currentExit` applies the same rule to live updates).
 */
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";

export function exitOfThisInstall(lastExit: RuntimeStatus["lastExit"] | undefined, installedAt: string | undefined): RuntimeStatus["lastExit"] {
  if (!lastExit) return null;
  if (!installedAt) return lastExit;
  return Date.parse(lastExit.at) < Date.parse(installedAt) ? null : lastExit;
}
