/**
 * Filesystem walk for manifests. Reads directory entries and manifest bytes only:
 * never follows symlinks, never opens anything but regular files, never executes.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILENAME } from "../manifest/schema.ts";

export const SKIP_DIRS = new Set([".git", "_build", "deps", "node_modules", ".elixir_ls", ".hex", ".mix"]);

export interface WalkLimits {
  maxDepth: number;
  maxEntries: number;
  maxManifestBytes: number;
  /** Directories not to enter (the core's own install trees). */
  skipDir?: (dir: string) => boolean;
}

export interface FoundManifest {
  dir: string;
  file: string;
  mtimeMs: number;
  size: number;
  /** Present when the file had to be read (new or changed); absent when `isUnchanged` said so. */
  bytes?: Uint8Array;
  /** Set when the file exists but was not read (too big, not regular …). */
  problem?: string;
}

export interface WalkProblem {
  path: string;
  problem: string;
}

export interface WalkResult {
  manifests: FoundManifest[];
  problems: WalkProblem[];
  dirsVisited: number;
  /** False when the root itself could not be listed (missing, unreadable, not a directory). */
  rootOk: boolean;
  rootMissing: boolean;
  /** Directories below the root whose contents were not seen (unlistable, or past max depth): listings under them are not "missing". */
  unscanned: string[];
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * Walks one root. `isUnchanged(file, mtimeMs, size)` lets a rescan skip reading
 * manifests whose stat matches what the catalog already holds.
 */
export function walkRoot(root: string, limits: WalkLimits, isUnchanged: (file: string, mtimeMs: number, size: number) => boolean): WalkResult {
  const res: WalkResult = { manifests: [], problems: [], dirsVisited: 0, rootOk: true, rootMissing: false, unscanned: [] };
  try {
    const st = lstatSync(root);
    if (st.isSymbolicLink()) {
      // A root given by the user may be a symlink; resolve it once, but never below it.
      const real = lstatSync(realpathSync(root));
      if (!real.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    } else if (!st.isDirectory()) {
      throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    res.rootOk = false;
    res.rootMissing = code === "ENOENT";
    res.problems.push({ path: root, problem: code === "ENOENT" ? "scan root does not exist" : `scan root unusable: ${describe(e)}` });
    return res;
  }

  const stack: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  let entries = 0;
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    let list: import("node:fs").Dirent[];
    try {
      list = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (dir === root) res.rootOk = false;
      else res.unscanned.push(dir);
      res.problems.push({ path: dir, problem: `cannot list directory: ${describe(e)}` });
      continue;
    }
    res.dirsVisited++;
    entries += list.length;
    if (entries > limits.maxEntries) {
      res.problems.push({ path: dir, problem: `scan stopped after ${limits.maxEntries} entries (limits.max_scan_entries)` });
      res.rootOk = false;
      break;
    }
    const subdirs: string[] = [];
    for (const ent of list) {
      const name = ent.name;
      if (name === MANIFEST_FILENAME) {
        const file = join(dir, name);
        if (ent.isSymbolicLink()) res.problems.push({ path: file, problem: "manifest is a symlink; not followed" });
        else if (!ent.isFile()) res.problems.push({ path: file, problem: "manifest is not a regular file; not read" });
        else res.manifests.push(readManifest(dir, file, limits.maxManifestBytes, isUnchanged));
      } else if (ent.isDirectory() && !SKIP_DIRS.has(name)) {
        const sub = join(dir, name);
        if (!limits.skipDir?.(sub)) subdirs.push(sub);
      }
    }
    if (depth + 1 <= limits.maxDepth) {
      // Reverse so the stack pops in name order: deterministic output.
      subdirs.sort();
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i]!, depth: depth + 1 });
    } else if (subdirs.length > 0) {
      res.unscanned.push(...subdirs);
      res.problems.push({ path: dir, problem: `not descending: deeper than limits.max_scan_depth (${limits.maxDepth})` });
    }
  }
  return res;
}

function readManifest(dir: string, file: string, maxBytes: number, isUnchanged: (f: string, m: number, s: number) => boolean): FoundManifest {
  let fd: number;
  try {
    // O_NOFOLLOW: a file swapped for a symlink after readdir is refused. O_NONBLOCK: a FIFO swapped in cannot block us.
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    return { dir, file, mtimeMs: 0, size: 0, problem: `cannot open: ${describe(e)}` };
  }
  try {
    const st = fstatSync(fd);
    const found: FoundManifest = { dir, file, mtimeMs: Math.trunc(st.mtimeMs), size: st.size };
    if (!st.isFile()) return { ...found, problem: "manifest is not a regular file; not read" };
    if (st.size > maxBytes) return { ...found, problem: `file is ${st.size} bytes, over the ${maxBytes}-byte limit` };
    if (isUnchanged(file, found.mtimeMs, st.size)) return found;
    const buf = new Uint8Array(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n <= 0) break;
      off += n;
    }
    found.bytes = off === st.size ? buf : buf.subarray(0, off);
    return found;
  } catch (e) {
    return { dir, file, mtimeMs: 0, size: 0, problem: `cannot read: ${describe(e)}` };
  } finally {
    closeSync(fd);
  }
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "EACCES" || err.code === "EPERM") return "permission denied";
  if (err.code === "ENOENT") return "no such file or directory";
  if (err.code === "ELOOP") return "is a symlink";
  if (err.code === "ENOTDIR") return "not a directory";
  return err.code ?? err.message;
}
