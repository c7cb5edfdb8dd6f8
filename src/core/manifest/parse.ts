/**
 * Turns manifest bytes into a validated manifest or a list of readable problems
 * (JSON path + reason). Never throws on hostile input.
 */
import { z } from "zod";
import { IGNORED_SELF_DECLARED, KNOWN_MANIFEST_FIELDS, type Manifest, MAX_MANIFEST_BYTES, manifestSchema } from "./schema.ts";
import { isAgentId } from "./permissions.ts";

export interface ManifestProblem {
  path: string;
  message: string;
}

export type ManifestResult =
  | { ok: true; manifest: Manifest; extra: Record<string, unknown>; ignored: string[] }
  | { ok: false; problems: ManifestProblem[]; /** the id, when the document has a well-formed one */ id: string | null; raw: unknown };

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Finds keys that could poison prototypes if the object were ever copied naively. */
export function findForbiddenKey(value: unknown, path = "", depth = 0): string | null {
  if (depth > 64) return `${path || "(root)"} (nested deeper than 64 levels)`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findForbiddenKey(value[i], `${path}[${i}]`, depth + 1);
      if (r) return r;
    }
  } else if (value && typeof value === "object") {
    for (const k of Object.keys(value)) {
      const p = path ? `${path}.${k}` : k;
      if (FORBIDDEN_KEYS.has(k)) return p;
      const r = findForbiddenKey((value as Record<string, unknown>)[k], p, depth + 1);
      if (r) return r;
    }
  }
  return null;
}

export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || "(root)";
}

export function zodProblems(err: z.ZodError): ManifestProblem[] {
  return err.issues.slice(0, 50).map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
}

/** Validates an already-decoded JSON value as a manifest. */
export function validateManifest(raw: unknown): ManifestResult {
  const rawId = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>).id : undefined;
  const id = typeof rawId === "string" && isAgentId(rawId) ? rawId : null;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: "(root)", message: "must be a JSON object" }], id: null, raw };
  }
  const bad = findForbiddenKey(raw);
  if (bad) return { ok: false, problems: [{ path: bad, message: "forbidden key (prototype pollution attempt) or too deep" }], id, raw };
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error), id, raw };
  const extra: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (KNOWN_MANIFEST_FIELDS.has(k)) continue;
    if ((IGNORED_SELF_DECLARED as readonly string[]).includes(k)) ignored.push(k);
    else Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  // Keep only schema fields in the trusted object; extras are displayed separately.
  const manifest = Object.fromEntries(Object.entries(parsed.data).filter(([k]) => KNOWN_MANIFEST_FIELDS.has(k))) as Manifest;
  return { ok: true, manifest, extra, ignored };
}

/** Decodes and validates manifest bytes (size cap, strict UTF-8, JSON, schema). */
export function parseManifestBytes(bytes: Uint8Array, maxBytes = MAX_MANIFEST_BYTES): ManifestResult {
  if (bytes.byteLength > maxBytes) {
    return { ok: false, problems: [{ path: "(file)", message: `file is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit` }], id: null, raw: null };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ path: "(file)", message: "not valid UTF-8" }], id: null, raw: null };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [{ path: "(file)", message: `not valid JSON: ${(e as Error).message}` }], id: null, raw: null };
  }
  return validateManifest(raw);
}
