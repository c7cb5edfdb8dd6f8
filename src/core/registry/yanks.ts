/**
 * Yanked registry entries (issue 16 part 3). After every sync, each agent
 * installed from the registry is compared with its entry's `yanked` reason:
 * - yanked, and not already quarantined or overridden for this very reason:
 *   the agent is disabled (run intent stopped), marked quarantined with the
 *   reason and stopped through the runtime kill switch (like revoke);
 * - no longer yanked: the quarantine (and any override) is lifted; the agent
 *   stays disabled until the operator enables it again.
 * An entry that vanished from the registry changes nothing (a removal is not
 * an un-yank). This reads one row per installed agent of the registry, never
 * the registry's entries, so it costs the same in every sync mode.
 */
import { eq } from "drizzle-orm";
import { installs } from "../../db/schema.ts";
import type { AgentHooks } from "../approvals/agent-hooks.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Clock } from "../clock.ts";
import type { EventBus } from "../events.ts";
import type { ActorOptions } from "./registries.ts";

export interface YankDeps {
  catalog: Catalog;
  audit: AuditLog;
  events: EventBus;
  clock: Clock;
  /** Absent in tools without a runtime: the catalog change alone keeps the agent from starting. */
  hooks?: AgentHooks;
}

export interface YankOutcome {
  /** Agents quarantined by this sync (their entry became yanked or its reason changed). */
  quarantined: string[];
  /** Agents whose quarantine this sync lifted (the entry is no longer yanked). */
  released: string[];
}

interface Row {
  id: string;
  state: string;
  enabled: number;
  quarantine: string | null;
  override: string | null;
  listed: string | null;
  yanked: string | null;
}

/** Whether an install may be enabled or run: not quarantined, or the operator overrode this very yank. */
export function quarantineBlocks(i: { quarantineReason: string | null; yankOverrideReason: string | null }): boolean {
  return i.quarantineReason !== null && i.yankOverrideReason !== i.quarantineReason;
}

export async function reconcileYanks(d: YankDeps, registry: string, opts: ActorOptions): Promise<YankOutcome> {
  const rows = d.catalog.sqlite
    .query<Row, [string]>(
      `SELECT i.agent_id AS id, i.state AS state, i.enabled AS enabled, i.quarantine_reason AS quarantine, i.yank_override_reason AS override,
              a.key AS listed, a.yanked_reason AS yanked
       FROM installs i LEFT JOIN agents a ON a.key = 'registry:' || i.registry_name || ':' || i.agent_id
       WHERE i.source = 'remote' AND i.registry_name = ?`,
    )
    .all(registry);
  const out: YankOutcome = { quarantined: [], released: [] };
  const base = { actor: opts.actor, correlationId: opts.correlationId ?? null };
  for (const r of rows) {
    if (r.listed === null) continue;
    const now = d.clock.iso();
    if (r.yanked !== null) {
      if (r.quarantine === r.yanked) continue;
      d.catalog.db
        .update(installs)
        .set({ quarantineReason: r.yanked, quarantinedAt: now, yankOverrideReason: null, yankOverrideAt: null, enabled: false, runIntent: "stopped", updatedAt: now })
        .where(eq(installs.agentId, r.id))
        .run();
      d.audit.record({ ...base, agentId: r.id, action: "agent.quarantine", outcome: "ok", details: { registry, reason: r.yanked, was_enabled: r.enabled === 1, previous_reason: r.quarantine } });
      d.events.emit({ type: "agent.status", agentId: r.id, status: { state: r.state, enabled: false, reason: "yanked", quarantine: r.yanked } });
      out.quarantined.push(r.id);
      await d.hooks?.stop(r.id, "yanked");
    } else if (r.quarantine !== null || r.override !== null) {
      d.catalog.db.update(installs).set({ quarantineReason: null, quarantinedAt: null, yankOverrideReason: null, yankOverrideAt: null, updatedAt: now }).where(eq(installs.agentId, r.id)).run();
      d.audit.record({ ...base, agentId: r.id, action: "agent.quarantine_lifted", outcome: "ok", details: { registry, previous_reason: r.quarantine, override_cleared: r.override !== null, enabled: r.enabled === 1 } });
      d.events.emit({ type: "agent.status", agentId: r.id, status: { state: r.state, enabled: r.enabled === 1, reason: "unyanked" } });
      out.released.push(r.id);
    }
  }
  if (out.quarantined.length || out.released.length) d.events.emit({ type: "catalog.changed", reason: `registry ${registry}: yanks applied` });
  return out;
}
