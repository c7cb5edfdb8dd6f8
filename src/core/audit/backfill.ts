/**
 * Step of migration 0007 that SQL cannot do: hash the rows an older catalog
 * already holds, oldest first, so the chain covers them too. It runs once, in
 * the migration's transaction, and then restores the UPDATE trigger (the SQL
 * dropped it so the hashes could be written).
 */
import type { Database } from "bun:sqlite";
import { type ChainRow, GENESIS_HASH, rowHash } from "./chain.ts";

const PAGE = 2000;

export function backfillAuditChain(sqlite: Database): void {
  const page = sqlite.query<ChainRow, [number]>(
    "SELECT id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json FROM audit_events WHERE id > ? ORDER BY id LIMIT " + PAGE,
  );
  const set = sqlite.query("UPDATE audit_events SET hash = ? WHERE id = ?");
  let prev = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const rows = page.all(after);
    for (const r of rows) {
      prev = rowHash(r, prev);
      set.run(prev, r.id);
    }
    if (rows.length < PAGE) break;
    after = rows.at(-1)!.id;
  }
  sqlite.exec("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;");
}
