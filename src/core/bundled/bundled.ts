/**
 * The Elixir SDK and the example agents, carried inside the binary so a user of
 * the single executable can build agents without a checkout. The trees are read
 * at bundle time by Bun macros (see read-tree.ts) and written out on demand:
 *
 *   materializeSdk(paths)        → $OPENSENTIENCE_HOME/sdk/elixir-<version>-<hash>
 *   materializeExamples(dir)     → <dir>/<example>/…
 *
 * Both write into a temp directory next to the target and rename it into place,
 * so a reader never sees half a tree, and a second call is a cheap no-op.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";
import { elixirString } from "../scaffold/names.ts";
import type { EmbeddedSdk, EmbeddedTree } from "./read-tree.ts";
import { embeddedExamplesTree, embeddedSdkTree } from "./read-tree.ts" with { type: "macro" };

/** The SDK as it was when this binary (or this source run) was bundled. */
export const EMBEDDED_SDK: EmbeddedSdk = embeddedSdkTree();
/** The example agents, keyed `<example>/<path>`. */
export const EMBEDDED_EXAMPLES: EmbeddedTree = embeddedExamplesTree();

/** Written last into a materialized tree: its presence means the tree is complete. */
export const MARKER_FILE = ".opensentience-bundled.json";

/** True when this build carries an SDK (it may not, in a checkout without sdk/elixir). */
export function hasEmbeddedSdk(sdk: EmbeddedSdk = EMBEDDED_SDK): boolean {
  return typeof sdk.files["mix.exs"] === "string";
}

/** Directory the embedded SDK is (or would be) materialized to. */
export function materializedSdkDir(paths: DataPaths, sdk: EmbeddedSdk = EMBEDDED_SDK): string {
  return join(paths.home, "sdk", `elixir-${sdk.version}-${sdk.hash}`);
}

/**
 * Writes the embedded SDK under the data directory (dirs 0700, files 0600) and
 * returns its path. Idempotent: an existing complete copy is reused as is.
 */
export function materializeSdk(paths: DataPaths, sdk: EmbeddedSdk = EMBEDDED_SDK): string {
  if (!hasEmbeddedSdk(sdk)) {
    throw new AppError("not_found", "this build of opensentience carries no Elixir SDK; set OPENSENTIENCE_SDK_PATH to an sdk/elixir directory");
  }
  const target = materializedSdkDir(paths, sdk);
  if (isComplete(target)) return target;
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  writeTreeAtomically(sdk.files, target, { version: sdk.version, hash: sdk.hash }, 0o700, 0o600);
  return target;
}

export interface ExamplesResult {
  /** Example directories written by this call. */
  written: string[];
  /** Example directories that already existed and were left untouched. */
  skipped: string[];
}

/** Matches the SDK fallback in an example's mix.exs: `System.get_env("OPENSENTIENCE_SDK_PATH") || "../../sdk/elixir"`. */
const SDK_FALLBACK_RE = /(System\.get_env\("OPENSENTIENCE_SDK_PATH"\)\s*\|\|\s*)"[^"\n]*"/g;

/** Points an example's SDK fallback (relative to the source tree) at `sdkPath`. */
export function withSdkFallback(mixExs: string, sdkPath: string): string {
  return withSdkFallbackExpr(mixExs, elixirString(sdkPath));
}

/** Replaces an example's SDK fallback with an Elixir expression (ours, never user input). */
export function withSdkFallbackExpr(mixExs: string, expr: string): string {
  return mixExs.replace(SDK_FALLBACK_RE, (_m, head: string) => `${head}${expr}`);
}

/**
 * Writes each embedded example agent to `<targetDir>/<name>`; never overwrites
 * an existing one. With `sdkExpr` (an Elixir expression) or `sdkPath`, each
 * mix.exs falls back to that SDK instead
 * of the source tree's `../../sdk/elixir`, so the copies build anywhere.
 */
export function materializeExamples(targetDir: string, examples: EmbeddedTree = EMBEDDED_EXAMPLES, opts: { sdkPath?: string; sdkExpr?: string } = {}): ExamplesResult {
  const byProject = new Map<string, Record<string, string>>();
  const topFiles: Record<string, string> = {};
  for (const [p, text] of Object.entries(examples.files)) {
    const slash = p.indexOf("/");
    if (slash < 0) {
      topFiles[p] = text;
      continue;
    }
    const name = p.slice(0, slash);
    let files = byProject.get(name);
    if (!files) byProject.set(name, (files = {}));
    const rel = p.slice(slash + 1);
    files[rel] = rel !== "mix.exs" ? text : opts.sdkExpr ? withSdkFallbackExpr(text, opts.sdkExpr) : opts.sdkPath ? withSdkFallback(text, opts.sdkPath) : text;
  }
  mkdirSync(targetDir, { recursive: true });
  const result: ExamplesResult = { written: [], skipped: [] };
  for (const [name, files] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
    const dest = join(targetDir, name);
    if (existsSync(dest)) {
      result.skipped.push(dest);
      continue;
    }
    writeTreeAtomically(files, dest, null, 0o755, 0o644);
    result.written.push(dest);
  }
  for (const [name, text] of Object.entries(topFiles)) {
    const dest = join(targetDir, name);
    if (!existsSync(dest)) writeFileSync(dest, text, { mode: 0o644, flag: "wx" });
  }
  return result;
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, MARKER_FILE)) && existsSync(join(dir, "mix.exs"));
}

/** A relative path from our own tree; still checked, since it becomes a file name. */
function safeRelative(p: string): boolean {
  return p.length > 0 && !isAbsolute(p) && !p.split("/").some((s) => s === "" || s === "." || s === "..");
}

/**
 * Writes `files` into a fresh temp directory beside `target`, then renames it
 * into place. If another process got there first, its (complete) copy wins.
 */
function writeTreeAtomically(files: Record<string, string>, target: string, marker: Record<string, unknown> | null, dirMode: number, fileMode: number): void {
  const parent = dirname(target);
  const tmp = mkdtempSync(join(parent, `.${target.slice(parent.length + 1)}.tmp-`));
  try {
    for (const [rel, text] of Object.entries(files)) {
      if (!safeRelative(rel)) throw new AppError("internal", `embedded file has an unsafe path: ${JSON.stringify(rel)}`);
      const file = join(tmp, rel);
      mkdirSync(dirname(file), { recursive: true, mode: dirMode });
      writeFileSync(file, text, { mode: fileMode, flag: "wx" });
    }
    if (marker) writeFileSync(join(tmp, MARKER_FILE), `${JSON.stringify(marker)}\n`, { mode: fileMode, flag: "wx" });
    // mkdtemp creates 0700; examples are the user's own project files.
    chmodSync(tmp, dirMode);
    try {
      renameSync(tmp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw new AppError("io", `cannot write ${target}: ${(e as Error).message}`, { cause: e });
      if (!marker || isComplete(target)) return; // another process got there first
      // A materialized tree only ever appears by rename of a complete copy, so an
      // incomplete one was damaged by hand: replace it.
      rmSync(target, { recursive: true, force: true });
      renameSync(tmp, target);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Reads the marker of a materialized SDK (for doctor); null when missing or unreadable. */
export function readSdkMarker(dir: string): { version?: string; hash?: string } | null {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER_FILE), "utf8")) as { version?: string; hash?: string };
  } catch {
    return null;
  }
}
