/**
 * Reading the admin token file safely (no symlinks, ours alone, mode 0600),
 * apart from the rest of src/api/auth/admin-token.ts: every CLI command that
 * talks to the daemon reads it, and this module loads neither zod nor
 * node:crypto (issue 13, CLI start).
 */
import { closeSync, constants, type Stats, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { AppError } from "../../core/errors.ts";

export const ADMIN_TOKEN_ENV = "OPENSENTIENCE_ADMIN_TOKEN";

/** What the token file holds: exactly 64 lowercase hex characters. */
const FILE_TOKEN = /^[0-9a-f]{64}$/;

const { O_RDONLY, O_NOFOLLOW } = constants;

/** Refuses anything but a regular file owned by us, with one name and no group/other bits. */
function checkTokenFile(path: string, st: Stats): void {
  if (st.isSymbolicLink()) {
    throw new AppError("forbidden", `refusing the admin token file because it is a symlink (${path}); delete it and run again to create a new token`);
  }
  if (!st.isFile()) throw new AppError("forbidden", `refusing the admin token file because it is not a regular file (${path})`);
  // Another name for the same file (a hard link, possibly in a directory others can list) keeps
  // the token readable there and survives rotation, which replaces only this name.
  if (st.nlink > 1) {
    throw new AppError("forbidden", `refusing the admin token file because it has ${st.nlink} hard links (${path}); delete it and every other link to it, then run again to create a new token`);
  }
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) {
    throw new AppError("forbidden", `refusing the admin token file because another user (uid ${st.uid}) owns it (${path})`);
  }
  const mode = Number(st.mode) & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AppError("forbidden", `refusing the admin token file because its mode ${mode.toString(8)} lets other users read it (${path}); delete it to get a new token, or run chmod 600 on it`);
  }
}

/** Reads and validates the token file without following a symlink at any step. */
export function readTokenFile(path: string): string {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AppError("unauthorized", `there is no admin token file (${path}); if the daemon runs with ${ADMIN_TOKEN_ENV}, set it here too`);
    }
    throw new AppError("io", `cannot stat ${path} (${(e as Error).message})`, { cause: e });
  }
  checkTokenFile(path, st);
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    throw new AppError("forbidden", `refusing the admin token file (${path}) because it cannot be opened safely (${(e as Error).message})`, { cause: e });
  }
  try {
    checkTokenFile(path, fstatSync(fd)); // the file we opened, not whatever the path points to now
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const token = buf.subarray(0, n).toString("utf8").trim();
    if (!FILE_TOKEN.test(token)) throw new AppError("forbidden", `the admin token file is corrupt, expected 64 hex characters (${path}); delete it to create a new token`);
    return token;
  } finally {
    closeSync(fd);
  }
}
