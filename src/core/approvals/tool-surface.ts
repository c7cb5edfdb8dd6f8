/**
 * An agent's tool surface in canonical form, its hash, and the difference
 * between two surfaces. Pure. What counts is what a caller (or an LLM reading
 * the tool list) relies on: name, description, input and output schema and
 * the tool's declared permissions. A tool that rewrites its description or
 * widens its schema after approval changes its entry, and so the hash.
 */
import { createHash } from "node:crypto";

export interface SurfaceTool {
  name: string;
  description: string;
  /** Null for a tool known only from the manifest's tool_summary. */
  input_schema: unknown;
  output_schema: unknown;
  permissions: string[];
}

export type SurfaceField = "description" | "input_schema" | "output_schema" | "permissions";
const FIELDS: readonly SurfaceField[] = ["description", "input_schema", "output_schema", "permissions"];

export interface SurfaceDiff {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; fields: SurfaceField[] }>;
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(",")}}`;
}

export function surfaceTool(t: { name: string; description?: string; input_schema?: unknown; output_schema?: unknown; permissions?: readonly string[] }): SurfaceTool {
  return {
    name: t.name,
    description: t.description ?? "",
    input_schema: t.input_schema ?? null,
    output_schema: t.output_schema ?? null,
    permissions: [...new Set(t.permissions ?? [])].sort(),
  };
}

/** Sorted by name; a name seen twice keeps its first entry (the registry rejects duplicates anyway). */
export function canonicalSurface(tools: readonly SurfaceTool[]): SurfaceTool[] {
  const seen = new Map<string, SurfaceTool>();
  for (const t of tools) if (!seen.has(t.name)) seen.set(t.name, t);
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const surfaceHash = (tools: readonly SurfaceTool[]): string => createHash("sha256").update(canonicalJson(canonicalSurface(tools))).digest("hex");

export function diffSurface(pinned: readonly SurfaceTool[], current: readonly SurfaceTool[]): SurfaceDiff {
  const before = new Map(pinned.map((t) => [t.name, t]));
  const after = new Map(current.map((t) => [t.name, t]));
  const changed: SurfaceDiff["changed"] = [];
  for (const [name, t] of after) {
    const p = before.get(name);
    if (!p) continue;
    const fields = FIELDS.filter((f) => canonicalJson(p[f]) !== canonicalJson(t[f]));
    if (fields.length) changed.push({ name, fields });
  }
  return {
    added: [...after.keys()].filter((n) => !before.has(n)).sort(),
    removed: [...before.keys()].filter((n) => !after.has(n)).sort(),
    changed: changed.sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export const isEmptySurfaceDiff = (d: SurfaceDiff): boolean => !d.added.length && !d.removed.length && !d.changed.length;

/** Why one tool is blocked: the text callers get with `permission_denied`. */
export function blockedMessage(agentId: string, name: string, change: { kind: "added" } | { kind: "changed"; fields: readonly SurfaceField[] }): string {
  const what = change.kind === "added" ? "is new since the operator approved this agent's tools" : `changed its ${change.fields.map((f) => f.replace("_", " ")).join(", ")} since the operator approved it`;
  return `tool ${agentId}/${name} ${what}; it is blocked until re-approved (review: opensentience agents info ${agentId}; approve: opensentience agents enable ${agentId})`;
}

/** One line per change, for the CLI and audit. */
export function surfaceDiffLines(d: SurfaceDiff): string[] {
  return [
    ...d.added.map((n) => `+ ${n} (new tool)`),
    ...d.changed.map((c) => `~ ${c.name} (${c.fields.join(", ")} changed)`),
    ...d.removed.map((n) => `- ${n} (removed)`),
  ];
}
