/**
 * The audit log's hash chain (format 1, documented in docs/audit-log.md).
 *
 * hash(row) = hex(SHA-256(UTF-8(JSON.stringify([1, id, at, actor, action,
 * agent_id, outcome, request_id, correlation_id, details_json, prev_hash]))))
 *
 * A JSON array with a fixed order is the canonical form: no key ordering to
 * agree on, strings escaped the one way JSON.stringify does, ids as integers,
 * absent values as null, and `details_json` hashed exactly as stored (never
 * re-serialised). `prev_hash` is the previous row's hash, or GENESIS for row 1,
 * or — after retention pruned the oldest rows — the `through_hash` carried by
 * the checkpoint row that covers them.
 */
export const CHAIN_FORMAT = 1;
export const GENESIS_HASH = "0".repeat(64);
/** Retention appends one of these (actor `system`) before it deletes rows up to `through_id`. */
export const CHECKPOINT_ACTION = "audit.checkpoint";

export interface ChainRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  agent_id: string | null;
  outcome: string;
  request_id: string | null;
  correlation_id: string | null;
  details_json: string;
}

export function canonicalRow(r: ChainRow, prevHash: string): string {
  return JSON.stringify([CHAIN_FORMAT, r.id, r.at, r.actor, r.action, r.agent_id, r.outcome, r.request_id, r.correlation_id, r.details_json, prevHash]);
}

export function rowHash(r: ChainRow, prevHash: string): string {
  return Bun.SHA256.hash(canonicalRow(r, prevHash), "hex") as string;
}

/** Details of a checkpoint row. */
export interface CheckpointDetails {
  through_id: number;
  through_hash: string;
  pruned: number;
  reason: "age" | "size";
}
