/**
 * The daemon's start-time look at the audit chain: only the newest rows
 * (bounded cost whatever the log's size; `audit verify` walks all of it). A
 * broken chain is logged, audited, and shown as a banner on every UI page
 * until the daemon restarts.
 */
import type { AuditLog } from "./audit-log.ts";
import type { ChainReport } from "./verify.ts";

/** Rows checked at start; ~10k rows cost a few ms (see docs/audit-log.md). */
export const START_CHECK_ROWS = 10_000;

let lastStartCheck: ChainReport | null = null;

/** The problem the last start check of this process found, or null (intact, or not checked). */
export function auditChainProblem(): ChainReport["problem"] {
  return lastStartCheck?.problem ?? null;
}

export function checkAuditChainAtStart(audit: AuditLog, warn: (line: string) => void, rows = START_CHECK_ROWS): ChainReport {
  const r = audit.verify({ tailRows: rows });
  lastStartCheck = r;
  if (r.problem) {
    warn(`audit log: chain broken — ${r.problem.message}; run: opensentience audit verify`);
    audit.record({ actor: "system", action: "audit.chain_broken", outcome: "error", details: { row_id: r.problem.rowId, message: r.problem.message, checked: r.checked } });
  }
  return r;
}
