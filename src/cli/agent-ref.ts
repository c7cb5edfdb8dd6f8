/**
 * Agent ids typed on the command line may be short names (`echo`): the
 * catalog decides what they stand for (src/core/catalog/resolve.ts), through
 * the daemon when one runs, else in this process.
 */
import type { DaemonClient } from "../client/daemon-client.ts";
import { AppError } from "../core/errors.ts";
import type { Target } from "./target.ts";

/** The full agent id for `input` (an id, listing key or unique short name); throws `not_found` / `usage`. */
export async function resolveAgentId(via: Target | DaemonClient, input: string): Promise<string> {
  if ("kind" in via) return via.kind === "daemon" ? (await via.client.resolveAgent(input)).id : via.services.catalog.resolveAgentId(input);
  return (await via.resolveAgent(input)).id;
}

/**
 * For filters (`audit --agent`, `stats --agent`): a short name resolves, but an
 * id the catalog no longer knows is kept as typed — its audit rows and
 * metrics outlive the agent. An ambiguous name is still an error.
 */
export async function resolveAgentFilter(via: Target | DaemonClient, input: string): Promise<string> {
  try {
    return await resolveAgentId(via, input);
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") return input;
    throw e;
  }
}
