/**
 * The outcome a person reads for an audit row (web page, CLI): a call or chat
 * turn the caller canceled is "canceled", not a failure. The stored outcome
 * set is ok|error|denied|started (a CHECK in the schema); the router records a
 * caller's cancel as `error` with `details.error = "canceled"`.
 */
import type { AuditEvent } from "./audit-log.ts";

export type ShownOutcome = "ok" | "error" | "denied" | "started" | "canceled";

export function shownOutcome(e: Pick<AuditEvent, "outcome" | "details">): ShownOutcome {
  return e.outcome === "error" && e.details.error === "canceled" ? "canceled" : e.outcome;
}
