/**
 * How the audit page shows an event: the outcome a person reads (a call the
 * caller canceled is "canceled", not a red "error") and the details as
 * key/value pairs with nested values compact. Pure functions: the JSX only
 * lays these out.
 */
import type { AuditEvent } from "../core/audit/audit-log.ts";
import { shownOutcome } from "../core/audit/shown-outcome.ts";

export type AuditOutcomeView = { label: string; tone: "success" | "danger" | "warning" | "info" | "neutral" };

const TONE = { ok: "success", error: "danger", denied: "warning", started: "info", canceled: "neutral" } as const;

/** The badge for an event's outcome (src/core/audit/shown-outcome.ts decides the word; the CLI can use the same). */
export function auditOutcome(e: Pick<AuditEvent, "outcome" | "details">): AuditOutcomeView {
  const label = shownOutcome(e);
  return { label, tone: TONE[label] ?? "neutral" };
}

export interface DetailPair {
  key: string;
  value: string;
  /** The value was an object or array, shown as compact JSON. */
  nested: boolean;
  /** The value was cut to MAX_VALUE_CHARS (the raw JSON has all of it). */
  truncated: boolean;
}

export const MAX_VALUE_CHARS = 160;
const MAX_PAIRS = 24;

/** Top-level keys in stored order; strings as they are, nested values as compact JSON, each cut to a readable length. */
export function detailPairs(details: Record<string, unknown>): { pairs: DetailPair[]; more: number } {
  const entries = Object.entries(details);
  const pairs = entries.slice(0, MAX_PAIRS).map(([key, v]) => {
    const nested = v !== null && typeof v === "object";
    const full = typeof v === "string" ? v : v === undefined ? "" : compactJson(v);
    const truncated = full.length > MAX_VALUE_CHARS;
    return { key, value: truncated ? `${full.slice(0, MAX_VALUE_CHARS - 1)}…` : full, nested, truncated };
  });
  return { pairs, more: Math.max(0, entries.length - MAX_PAIRS) };
}

/** `{"a":1,"b":[1,2]}` → `{a: 1, b: [1, 2]}`: JSON with the quotes around plain keys dropped and a space after separators; deeper than 6 levels is `…`. */
export function compactJson(v: unknown, depth = 0): string {
  if (v !== null && typeof v === "object" && depth >= 6) return Array.isArray(v) ? "[…]" : "{…}";
  if (Array.isArray(v)) return `[${v.map((x) => compactJson(x, depth + 1)).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${/^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k)}: ${compactJson(x, depth + 1)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The stored details, indented, for the raw view. */
export const rawDetails = (details: Record<string, unknown>): string => JSON.stringify(details, null, 2);
