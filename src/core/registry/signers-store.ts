/**
 * The copy of a signed registry's allowed-signers file in the data directory
 * (`registry-signers/<name>.allowed_signers`, mode 0600). Copied at `registry
 * add`, so later edits of the operator's original never change whom a sync
 * trusts; its SHA-256 is stored with the registry and checked before every
 * verification, so a changed copy refuses syncs instead of widening trust.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants as fsc, openSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";
import { assertNotSymlink, childDir, ensureRealDir, removePath } from "../installer/safe-paths.ts";
import { type AllowedSigner, MAX_ALLOWED_SIGNERS_BYTES, parseAllowedSigners } from "./allowed-signers.ts";

export const sha256Hex = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex");

const signersDir = (paths: DataPaths) => join(paths.home, "registry-signers");

export function signersPath(paths: DataPaths, registry: string): string {
  return childDir(signersDir(paths), `${registry}.allowed_signers`);
}

/** Checks `text` and writes the copy (atomically); returns where and what was stored. */
export function storeAllowedSigners(paths: DataPaths, registry: string, text: string): { path: string; sha256: string; signers: AllowedSigner[] } {
  const signers = parseAllowedSigners(text);
  ensureRealDir(signersDir(paths));
  const path = signersPath(paths, registry);
  assertNotSymlink(path, path);
  const tmp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    removePath(tmp);
    throw new AppError("io", `cannot store the allowed-signers copy ${path}: ${(e as Error).message}`, { cause: e });
  }
  return { path, sha256: sha256Hex(text), signers };
}

/** The stored copy, checked against the SHA-256 recorded at add time; a problem instead when missing, changed or unreadable. */
export function readAllowedSigners(path: string, sha256: string | null): { signers: AllowedSigner[] } | { problem: string } {
  let fd: number | undefined;
  let bytes: Buffer;
  try {
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    bytes = readFileSync(fd);
  } catch (e) {
    return { problem: `the allowed-signers copy ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (bytes.length > MAX_ALLOWED_SIGNERS_BYTES) return { problem: `the allowed-signers copy ${path} is over ${MAX_ALLOWED_SIGNERS_BYTES} bytes` };
  if (sha256Hex(bytes) !== sha256) return { problem: `the allowed-signers copy ${path} was changed after 'registry add' (SHA-256 differs); re-add the registry to trust new keys` };
  try {
    return { signers: parseAllowedSigners(bytes.toString("utf8")) };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

/** An operator's allowed-signers file (CLI `--allowed-signers`, config `allowed_signers_file`), bounded. */
export function readSignersFile(path: string): string {
  try {
    if (statSync(path).size > MAX_ALLOWED_SIGNERS_BYTES) throw new AppError("invalid_argument", `allowed-signers file ${path} is over ${MAX_ALLOWED_SIGNERS_BYTES} bytes`);
    return readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("invalid_argument", `cannot read the allowed-signers file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function removeAllowedSigners(paths: DataPaths, registry: string): void {
  removePath(signersPath(paths, registry));
}
