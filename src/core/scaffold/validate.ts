/**
 * `opensentience agents validate`: every problem in a manifest (JSON path +
 * reason), through the same parser discovery uses, plus warnings for what the
 * core would silently ignore: self-declared trust fields, unknown fields at
 * any depth (a misspelt `entrypoint.taks` falls back to the default), and a
 * mix entrypoint with no mix.exs beside the manifest.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { z } from "zod";
import { AppError } from "../errors.ts";
import { findForbiddenKey, formatIssuePath, type ManifestProblem, parseManifestBytes } from "../manifest/parse.ts";
import { IGNORED_SELF_DECLARED, MANIFEST_FILENAME, MAX_MANIFEST_BYTES, manifestSchema } from "../manifest/schema.ts";

export interface ValidationReport {
  file: string;
  valid: boolean;
  id: string | null;
  version: string | null;
  problems: ManifestProblem[];
  warnings: ManifestProblem[];
}

/** Resolves PATH (a directory holding the manifest, or the manifest file itself). */
export function manifestFileFor(path: string): string {
  const p = resolve(path);
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new AppError("not_found", `${p} does not exist`);
  }
  if (!st.isDirectory()) return p;
  const file = join(p, MANIFEST_FILENAME);
  if (!existsSync(file)) throw new AppError("not_found", `no ${MANIFEST_FILENAME} in ${p}`);
  return file;
}

type AnySchema = z.core.$ZodType;

/** The object keys a schema node accepts, following optional/default wrappers, arrays and unions. */
function describe(schema: AnySchema): { keys: Map<string, AnySchema[]>; element: AnySchema | null } {
  const keys = new Map<string, AnySchema[]>();
  let element: AnySchema | null = null;
  const visit = (s: AnySchema) => {
    const def = s._zod.def as unknown as { type: string; innerType?: AnySchema; shape?: Record<string, AnySchema>; element?: AnySchema; options?: AnySchema[]; in?: AnySchema };
    if (def.innerType) return visit(def.innerType);
    if (def.type === "pipe" && def.in) return visit(def.in);
    if (def.type === "object" && def.shape) for (const [k, v] of Object.entries(def.shape)) keys.set(k, [...(keys.get(k) ?? []), v]);
    if (def.type === "array" && def.element) element = def.element;
    if (def.type === "union" && def.options) for (const o of def.options) visit(o);
  };
  visit(schema);
  return { keys, element };
}

/** Paths of keys in `value` that no schema in `schemas` declares (top level excluded: reported separately). */
export function unknownFields(value: unknown, schemas: AnySchema[], path: ReadonlyArray<string | number> = [], depth = 0): string[] {
  if (depth > 16 || value === null || typeof value !== "object" || schemas.length === 0) return [];
  const described = schemas.map(describe);
  if (Array.isArray(value)) {
    const elements = described.map((d) => d.element).filter((e): e is AnySchema => e !== null);
    return value.flatMap((v, i) => unknownFields(v, elements, [...path, i], depth + 1));
  }
  const known = new Map<string, AnySchema[]>();
  for (const d of described) for (const [k, v] of d.keys) known.set(k, [...(known.get(k) ?? []), ...v]);
  if (known.size === 0) return []; // a free-form value (e.g. a record): nothing to compare with
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const sub = known.get(k);
    if (!sub) out.push(formatIssuePath([...path, k]));
    else out.push(...unknownFields(v, sub, [...path, k], depth + 1));
  }
  return out;
}

export function validateManifestFile(path: string): ValidationReport {
  const file = manifestFileFor(path);
  let bytes: Uint8Array;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new AppError("invalid_argument", `${file} is not a regular file`);
    if (st.size > MAX_MANIFEST_BYTES) {
      // Never loaded whole: the limit is what discovery applies too.
      const problem = { path: "(file)", message: `file is ${st.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit` };
      return { file, valid: false, id: null, version: null, problems: [problem], warnings: [] };
    }
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("io", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = parseManifestBytes(bytes);
  const raw: unknown = parsed.ok ? JSON.parse(new TextDecoder().decode(bytes)) : parsed.raw;
  const warnings = raw && typeof raw === "object" && !Array.isArray(raw) ? manifestWarnings(raw as Record<string, unknown>, file) : [];
  if (parsed.ok) {
    return { file, valid: true, id: parsed.manifest.id, version: parsed.manifest.version, problems: [], warnings };
  }
  return { file, valid: false, id: parsed.id, version: null, problems: allProblems(raw, parsed.problems), warnings };
}

/** The shared parser stops listing at 50 issues; an author wants all of them. */
function allProblems(raw: unknown, fromParser: ManifestProblem[]): ManifestProblem[] {
  if (fromParser.length < 50 || !raw || typeof raw !== "object" || findForbiddenKey(raw)) return fromParser;
  const r = manifestSchema.safeParse(raw);
  return r.success ? fromParser : r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
}

function manifestWarnings(top: Record<string, unknown>, file: string): ManifestProblem[] {
  const warnings: ManifestProblem[] = [];
  for (const k of Object.keys(top)) {
    if ((IGNORED_SELF_DECLARED as readonly string[]).includes(k)) {
      warnings.push({ path: k, message: "ignored: only a registry can vouch for an agent; a manifest's own claim is never trusted" });
    } else if (!Object.hasOwn(manifestSchema.shape, k)) {
      warnings.push({ path: k, message: "unknown field: shown for information, never used" });
    }
  }
  for (const [k, schema] of Object.entries(manifestSchema.shape)) {
    if (!Object.hasOwn(top, k)) continue;
    for (const p of unknownFields(top[k], [schema as AnySchema], [k])) warnings.push({ path: p, message: "unknown field: ignored (misspelt?)" });
  }
  const ep = top.entrypoint as { type?: unknown } | undefined;
  const isMix = ep === undefined || ep?.type === "mix" || ep?.type === "mix_run";
  if (isMix && basename(file) === MANIFEST_FILENAME && !existsSync(join(dirname(file), "mix.exs"))) {
    warnings.push({ path: "entrypoint", message: `a mix entrypoint, but there is no mix.exs next to ${MANIFEST_FILENAME}` });
  }
  return warnings;
}
