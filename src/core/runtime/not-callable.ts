/**
 * Why an agent's tools cannot be called right now, with the next step (issue 17,
 * finding 7): one vocabulary for "not installed", "disabled", "not running" and
 * "starting", whichever command meets it first.
 */
import { AppError } from "../errors.ts";
import type { RuntimeState } from "./runtime-status.ts";

export function agentNotCallable(agentId: string, install: { state: string; enabled: boolean } | null, runtime: { state: RuntimeState } | null): AppError | null {
  if (!install) return new AppError("agent_unavailable", `agent ${agentId} is not installed (install it: opensentience agents install ${agentId})`);
  if (install.state !== "installed") return new AppError("agent_unavailable", `agent ${agentId} is not installed (its install is ${install.state}; see: opensentience agents info ${agentId})`);
  if (!install.enabled) return new AppError("agent_unavailable", `agent ${agentId} is disabled (enable it: opensentience agents enable ${agentId})`);
  const state = runtime?.state ?? "stopped";
  if (state === "starting" || state === "backoff") return new AppError("agent_unavailable", `agent ${agentId} is ${state === "backoff" ? "restarting after a crash" : "starting"}; try again shortly (see: opensentience agents logs ${agentId})`);
  if (state !== "running") return new AppError("agent_unavailable", `agent ${agentId} is not running (run it: opensentience agents run ${agentId})`);
  return null;
}
