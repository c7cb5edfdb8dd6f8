import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { AppError } from "../errors.ts";
import { closest } from "../suggest.ts";
import { type DataPaths, dataPaths, expandHome, resolveHome } from "./paths.ts";
import { type ConfigFile, configSchema, type Limits, type MetricsConfig, type Retention } from "./schema.ts";
import { type TracingSettings, tracingSettings } from "../tracing/settings.ts";

export interface Config {
  paths: DataPaths;
  scanRoots: string[];
  registries: ConfigFile["registries"];
  host: string;
  port: number;
  examplesRegistry: boolean;
  /** Config `allow_local_sources`: file:// agent sources from non-local registries (see registry/local-sources.ts). */
  allowLocalSources: boolean;
  /** Agent sandbox policy (config `sandbox`, env OPENSENTIENCE_SANDBOX). */
  sandbox: ConfigFile["sandbox"];
  limits: Limits;
  /** Bounded storage: what retention keeps (config `retention`). */
  retention: Retention;
  /** Config `tracing` with the OTEL_* environment variables applied (src/core/tracing/settings.ts). */
  tracing: TracingSettings;
  /** Config `metrics`: whether the daemon counts tool calls, chat turns and HTTP requests (src/core/metrics). */
  metrics: MetricsConfig;
  /** Where each value came from, for `config show`. */
  sources: Record<string, "default" | "file" | "env">;
}

/**
 * Formats the first zod issue as `field.path: reason` (one line, no stack).
 * With the schema, an unknown field gets the closest known one at its level.
 */
export function formatZodIssue(err: z.ZodError, prefix = "", schema?: z.ZodType): string {
  const issue = err.issues[0];
  if (!issue) return `${prefix}invalid`;
  if (issue.code === "unrecognized_keys") {
    // Name the misspelt field itself rather than its parent object.
    const key = issue.keys[0] ?? "?";
    const field = [...issue.path.map(String), key].join(".");
    const near = schema ? closest(key, knownKeysAt(schema, issue.path)) : null;
    return `${prefix}${field}: unknown field${near ? ` (did you mean '${near}'?)` : ""}`;
  }
  const path = issue.path.map(String).join(".") || "(root)";
  return `${prefix}${path}: ${issue.message}`;
}

type SchemaDef = { type?: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; in?: z.ZodType };

/** The keys an object schema allows at `path` (through defaults, optionals, arrays and pipes); [] when it is not an object. */
export function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  let rest = [...path];
  for (let guard = 0; s && guard < 64; guard++) {
    const def: SchemaDef | undefined = (s as unknown as { _zod?: { def?: SchemaDef } })._zod?.def;
    if (!def) return [];
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe") s = def.in;
    else if (def.type === "array" && typeof rest[0] === "number") {
      s = def.element;
      rest = rest.slice(1);
    } else if (def.type === "object" && def.shape) {
      if (rest.length === 0) return Object.keys(def.shape);
      s = def.shape[String(rest[0])];
      rest = rest.slice(1);
    } else return [];
  }
  return [];
}

/** Creates the data directory with mode 0700 and refuses one others can write to. */
export function ensureDataDir(home: string): void {
  if (!existsSync(home)) mkdirSync(home, { recursive: true, mode: 0o700 });
  // Follows a symlinked home on purpose: what matters is the directory we end up writing into.
  const st = statSync(home);
  if (!st.isDirectory()) throw new AppError("io", `data directory ${home} is not a directory`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) {
    throw new AppError("forbidden", `data directory ${home} is owned by another user (uid ${st.uid})`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new AppError("forbidden", `data directory ${home} is group- or world-writable (mode ${(st.mode & 0o777).toString(8)}); run: chmod 700 ${home}`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(home, 0o700);
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  /** Create the data directory if missing (commands that only read may skip it). */
  create?: boolean;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const home = resolveHome(env);
  const paths = dataPaths(home);
  if (opts.create !== false) ensureDataDir(home);

  let raw: unknown = {};
  const sources: Config["sources"] = {};
  if (existsSync(paths.config)) {
    let text: string;
    try {
      text = readFileSync(paths.config, "utf8");
    } catch (e) {
      throw new AppError("invalid_config", `cannot read ${paths.config}: ${(e as Error).message}`, { cause: e });
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new AppError("invalid_config", `${paths.config}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
      throw new AppError("invalid_config", `${paths.config}: must be a JSON object`);
    }
    for (const k of Object.keys(raw)) sources[k] = "file";
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("invalid_config", formatZodIssue(parsed.error, `${paths.config}: `, configSchema));
  const file = parsed.data;

  let scanRoots = (file.scan_roots ?? [join(homedir(), "Projects"), paths.agentsDir]).map((p) => resolve(expandHome(p)));
  sources.scan_roots ??= "default";
  if (env.OPENSENTIENCE_SCAN_ROOTS !== undefined) {
    scanRoots = env.OPENSENTIENCE_SCAN_ROOTS.split(":").filter(Boolean).map((p) => resolve(expandHome(p)));
    sources.scan_roots = "env";
  }
  let port = file.port;
  if (env.OPENSENTIENCE_PORT !== undefined) {
    const n = Number(env.OPENSENTIENCE_PORT);
    // Digits only: Number() would read "" and " " as 0 (a random port) and accept "1e3" or "0x10".
    if (!/^\d{1,5}$/.test(env.OPENSENTIENCE_PORT) || n > 65535) {
      throw new AppError("invalid_config", `OPENSENTIENCE_PORT: expected a port number 0-65535, got ${JSON.stringify(env.OPENSENTIENCE_PORT)}`);
    }
    port = n;
    sources.port = "env";
  }
  const examplesRegistry = env.OPENSENTIENCE_EXAMPLES === undefined ? file.examples_registry : env.OPENSENTIENCE_EXAMPLES !== "0";
  let sandbox = file.sandbox;
  sources.sandbox ??= "default";
  if (env.OPENSENTIENCE_SANDBOX !== undefined) {
    const v = env.OPENSENTIENCE_SANDBOX;
    if (v !== "required" && v !== "auto" && v !== "off") throw new AppError("invalid_config", `OPENSENTIENCE_SANDBOX: expected required, auto or off, got ${JSON.stringify(v)}`);
    sandbox = v;
    sources.sandbox = "env";
  }
  sources.allow_local_sources ??= "default";
  return { paths, scanRoots, registries: file.registries, host: file.host, port, examplesRegistry, allowLocalSources: file.allow_local_sources, sandbox, limits: file.limits, retention: file.retention, tracing: tracingSettings(file.tracing, env), metrics: file.metrics, sources };
}
