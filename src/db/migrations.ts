/**
 * Migrations are imported as text so `bun build --compile` embeds them: the
 * binary needs no migrations folder beside it. Add new files here in order.
 */
import type { Database } from "bun:sqlite";
import { backfillAuditChain } from "../core/audit/backfill.ts";
import m0001 from "../../migrations/0001_init.sql" with { type: "text" };
import m0002 from "../../migrations/0002_agents_name_nocase_index.sql" with { type: "text" };
import m0003 from "../../migrations/0003_run_intent_and_web_sessions.sql" with { type: "text" };
import m0004 from "../../migrations/0004_client_tokens_and_mcp_actor.sql" with { type: "text" };
import m0005 from "../../migrations/0005_search_filter_indexes.sql" with { type: "text" };
import m0006 from "../../migrations/0006_typo_tolerant_search.sql" with { type: "text" };
import m0007 from "../../migrations/0007_audit_chain.sql" with { type: "text" };
import m0008 from "../../migrations/0008_tool_call_rollups.sql" with { type: "text" };
import m0009 from "../../migrations/0009_tool_surface_pins_and_test_runs.sql" with { type: "text" };
import m0010 from "../../migrations/0010_registry_signing_and_yanks.sql" with { type: "text" };
import m0011 from "../../migrations/0011_policy_epoch.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** A step SQL cannot do (hashing), run right after `sql` in the same transaction. */
  after?: (sqlite: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_init", sql: m0001 },
  { version: 2, name: "0002_agents_name_nocase_index", sql: m0002 },
  { version: 3, name: "0003_run_intent_and_web_sessions", sql: m0003 },
  { version: 4, name: "0004_client_tokens_and_mcp_actor", sql: m0004 },
  { version: 5, name: "0005_search_filter_indexes", sql: m0005 },
  { version: 6, name: "0006_typo_tolerant_search", sql: m0006 },
  { version: 7, name: "0007_audit_chain", sql: m0007, after: backfillAuditChain },
  { version: 8, name: "0008_tool_call_rollups", sql: m0008 },
  { version: 9, name: "0009_tool_surface_pins_and_test_runs", sql: m0009 },
  { version: 10, name: "0010_registry_signing_and_yanks", sql: m0010 },
  { version: 11, name: "0011_policy_epoch", sql: m0011 },
];
