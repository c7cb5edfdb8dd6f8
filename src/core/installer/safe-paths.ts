/**
 * Path checks for directories the core writes into (`agents/<id>`, `registries/<name>`):
 * one validated path segment below a real (non-symlink) parent, and no
 * pre-existing symlink anywhere from the parent down. A symlink planted at
 * `agents/<id>` must never redirect a clone, a build or an `rm -rf`.
 */
import { lstatSync, mkdirSync, rmSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { AppError } from "../errors.ts";

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new AppError("io", `cannot inspect ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** Throws `forbidden` if `p` exists and is a symlink (or, with `dirOnly`, not a directory). */
export function assertNotSymlink(p: string, what = p, dirOnly = false): void {
  const st = lstatOrNull(p);
  if (!st) return;
  if (st.isSymbolicLink()) throw new AppError("forbidden", `refusing to use ${what}: it is a symbolic link`);
  if (dirOnly && !st.isDirectory()) throw new AppError("forbidden", `refusing to use ${what}: it exists and is not a directory`);
}

/** Creates `dir` (mode 0700) if missing; refuses when it is a symlink or not a directory. */
export function ensureRealDir(dir: string): void {
  assertNotSymlink(dir, dir, true);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertNotSymlink(dir, dir, true);
}

/**
 * `parent/segment`, where `segment` was validated by the caller's id rules; the
 * resolved path must stay directly under `parent`.
 */
export function childDir(parent: string, segment: string): string {
  if (!segment || segment.includes("/") || segment.includes("\\") || segment === "." || segment === ".." || segment.startsWith("-")) {
    throw new AppError("invalid_argument", `invalid directory name ${JSON.stringify(segment.slice(0, 100))}`);
  }
  const p = resolve(parent, segment);
  if (dirname(p) !== resolve(parent) || basename(p) !== segment || !p.startsWith(resolve(parent) + sep)) {
    throw new AppError("forbidden", `path for ${JSON.stringify(segment)} escapes ${parent}`);
  }
  return p;
}

/** Removes a path we own. A symlink is unlinked, never followed. */
export function removePath(p: string): void {
  const st = lstatOrNull(p);
  if (!st) return;
  rmSync(p, { recursive: st.isDirectory() && !st.isSymbolicLink(), force: true });
}

