/**
 * A tool's arguments as people read and type them (issue 17, finding 1): the
 * top-level properties of its JSON Schema as rows, an example argument object,
 * `k=v` pairs coerced to the property's type, and schema problems as one line
 * naming the field (not `/: Instance does not have required property "text"`).
 * Schemas come from agents: everything here tolerates any shape.
 */
import { Validator } from "@cfworker/json-schema";
import { AppError } from "../errors.ts";

export interface ArgumentRow {
  name: string;
  /** `string`, `number`, `integer|null`, `"a"|"b"` for an enum, `any` when undeclared. */
  type: string;
  required: boolean;
  description: string;
}

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function properties(schema: Schema): Record<string, Schema> {
  const p = schema.properties;
  if (!isObject(p)) return {};
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, isObject(v) ? v : {}]));
}

function requiredNames(schema: Schema): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
}

function typeOf(p: Schema): string {
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join("|");
  if ("const" in p) return JSON.stringify(p.const);
  if (typeof p.type === "string") return p.type === "array" && isObject(p.items) && typeof p.items.type === "string" ? `array of ${p.items.type}` : p.type;
  if (Array.isArray(p.type)) return p.type.filter((t) => typeof t === "string").join("|");
  return "any";
}

/** The schema's top-level properties, required ones first (declaration order kept within each group). */
export function argumentRows(schema: Schema): ArgumentRow[] {
  const req = new Set(requiredNames(schema));
  const rows = Object.entries(properties(schema)).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: req.has(name),
    description: typeof p.description === "string" ? p.description : "",
  }));
  // A required name the schema does not describe is still required.
  for (const name of req) if (!rows.some((r) => r.name === name)) rows.push({ name, type: "any", required: true, description: "" });
  return [...rows.filter((r) => r.required), ...rows.filter((r) => !r.required)];
}

function exampleValue(p: Schema, name: string): unknown {
  if ("default" in p) return p.default;
  if (Array.isArray(p.examples) && p.examples.length) return p.examples[0];
  if (Array.isArray(p.enum) && p.enum.length) return p.enum[0];
  if ("const" in p) return p.const;
  const t = Array.isArray(p.type) ? p.type.find((x) => x !== "null") : p.type;
  switch (t) {
    case "string":
      return `<${name}>`;
    case "integer":
    case "number":
      return typeof p.minimum === "number" ? p.minimum : 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return `<${name}>`;
  }
}

/** An argument object for `--args`: every required property (all of them when none is required). */
export function exampleArguments(schema: Schema): Record<string, unknown> {
  const props = properties(schema);
  const req = requiredNames(schema);
  const names = req.length ? req : Object.keys(props);
  return Object.fromEntries(names.map((n) => [n, exampleValue(props[n] ?? {}, n)]));
}

function declaredTypes(p: Schema | undefined): string[] {
  if (!p) return [];
  if (typeof p.type === "string") return [p.type];
  if (Array.isArray(p.type)) return p.type.filter((t): t is string => typeof t === "string");
  if (Array.isArray(p.enum)) return [...new Set(p.enum.map((v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)))];
  return [];
}

/**
 * `--arg k=v` pairs as an argument object: v becomes the property's type
 * (number, integer, boolean, null, or JSON for arrays and objects); a string
 * property or an undeclared one takes v as written. A value that cannot be the
 * declared type is a usage error naming the argument.
 */
export function argumentsFromPairs(pairs: string[], schema: Schema, into: Record<string, unknown> = {}): Record<string, unknown> {
  const props = properties(schema);
  const out: Record<string, unknown> = { ...into };
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new AppError("usage", `--arg must look like NAME=VALUE, got ${JSON.stringify(pair)}`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (name === "__proto__") throw new AppError("usage", "--arg: '__proto__' is not an argument name");
    const types = declaredTypes(props[name]);
    out[name] = coerce(name, raw, types);
  }
  return out;
}

function coerce(name: string, raw: string, types: string[]): unknown {
  if (types.length === 0 || types.includes("string")) return raw;
  for (const t of types) {
    if ((t === "number" || t === "integer") && raw.trim() !== "" && Number.isFinite(Number(raw))) {
      const n = Number(raw);
      if (t === "number" || Number.isInteger(n)) return n;
    }
    if (t === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
    if (t === "null" && raw === "null") return null;
    if (t === "array" || t === "object") {
      try {
        const v: unknown = JSON.parse(raw);
        if (t === "array" ? Array.isArray(v) : isObject(v)) return v;
      } catch {
        // reported below
      }
    }
  }
  const want = types.map((t) => (t === "array" || t === "object" ? `a JSON ${t}` : t === "integer" ? "an integer" : t === "null" ? "null" : `a ${t}`)).join(" or ");
  throw new AppError("usage", `--arg ${name}: expected ${want}, got ${JSON.stringify(raw)}`);
}

function field(location: string): string {
  const parts = location.replace(/^#\/?/, "").split("/").filter(Boolean).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  return parts.join(".");
}

/**
 * The first way `args` breaks the schema, as one line naming the argument;
 * null when it matches (or the schema cannot be evaluated here: the router
 * still validates, and explains, what it is sent).
 */
export function argumentProblem(schema: Schema, args: unknown): string | null {
  let result;
  try {
    result = new Validator(schema as never, "2020-12", false).validate(args);
  } catch {
    return null;
  }
  if (result.valid) return null;
  if (!isObject(args)) return `the arguments must be a JSON object, got ${Array.isArray(args) ? "an array" : args === null ? "null" : typeof args}`;
  const props = properties(schema);
  const missing = requiredNames(schema).filter((n) => !Object.hasOwn(args, n));
  if (missing.length) return `missing required argument${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")}`;
  if (schema.additionalProperties === false) {
    const extra = Object.keys(args).filter((k) => !Object.hasOwn(props, k));
    if (extra.length) return `unknown argument${extra.length > 1 ? "s" : ""} ${extra.map((e) => `'${e}'`).join(", ")} (accepted: ${Object.keys(props).join(", ") || "none"})`;
  }
  // The deepest failing location is the most specific; its own keyword message, prefixed with the field.
  const leaf = [...result.errors].sort((a, b) => b.instanceLocation.length - a.instanceLocation.length)[0]!;
  const at = field(leaf.instanceLocation);
  const top = at.split(".")[0]!;
  const p = props[top];
  if (at === top && p && leaf.keyword === "type") return `argument '${top}' must be ${typeOf(p)}, got ${JSON.stringify(args[top])}`;
  if (at === top && p && leaf.keyword === "enum") return `argument '${top}' must be one of ${typeOf(p)}, got ${JSON.stringify(args[top])}`;
  return `${at ? `argument '${at}'` : "the arguments"}: ${leaf.error.replace(/\.$/, "")}`;
}

/**
 * The router's and the chat form's refusal, in the same words as the CLI's pre-check (issue 17, finding 7): the
 * argument named (`missing required argument 'text'`), not the validator's `/: Instance does not have required property`.
 */
export function schemaMismatch(tool: string, schema: unknown, args: unknown, problems: Array<{ path: string; message: string }>): string {
  const words = argumentProblem(schema as Schema, args) ?? problems.map((p) => `${p.path}: ${p.message}`).join("; ");
  return `arguments do not match the input schema of ${tool}: ${words}`;
}
