/** Answers of the audit chain endpoints: `GET /audit/verify` and the lines of `GET /audit/export` (JSONL). */
import { z } from "zod";
import { ACTORS, OUTCOMES } from "../db/schema.ts";
import { queryObject } from "./requests.ts";

export const chainReportSchema = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstId: z.number().nullable(),
  lastId: z.number().nullable(),
  headHash: z.string().nullable(),
  from: z.enum(["genesis", "checkpoint", "tail", "empty"]),
  problem: z.object({ rowId: z.number(), message: z.string() }).nullable(),
  durationMs: z.number(),
});

export const auditExportLineSchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.enum(ACTORS),
  action: z.string(),
  agent_id: z.string().nullable(),
  outcome: z.enum(OUTCOMES),
  request_id: z.string().nullable(),
  correlation_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string().nullable(),
  hash: z.string().nullable(),
});

export const auditVerifyQuerySchema = queryObject({
  /** Check only the newest N rows (what the daemon does at start); the whole chain when absent. */
  tail: z.coerce.number().int().min(1).max(100_000_000).optional(),
});
export const auditExportQuerySchema = queryObject({
  /** ISO time or an age like 30m, 2h, 7d; every row when absent. */
  since: z.string().max(64).optional(),
});
