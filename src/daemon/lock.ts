/**
 * The data directory's writer lock: an exclusively created file holding the
 * holder's pid (first line) and what it is (second line: `daemon`, or the CLI
 * command writing without a daemon). The daemon holds it for its whole life,
 * a CLI command only while it writes with no daemon running, so the two can
 * never write at once. A lock whose pid is no longer alive (killed with -9) is
 * stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { AppError } from "../core/errors.ts";
import { pidAlive } from "../core/pid.ts";

/** Re-exported for the daemon file and lock callers. */
export { pidAlive as isAlive };

export interface Lock {
  release(): void;
}

export interface LockHolder {
  pid: number;
  /** `daemon`, or `cli: <command>`. */
  holder: string;
}

/** Who holds the lock now, or null when it is free (missing, unreadable or stale). */
export function lockHolder(path: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const [pidLine, holder] = text.split("\n");
  const pid = Number.parseInt(pidLine?.trim() ?? "", 10);
  if (!pidAlive(pid) || pid === process.pid) return null;
  return { pid, holder: holder?.trim() || "daemon" };
}

export function describeHolder(h: LockHolder): string {
  return h.holder === "daemon" ? `an opensentience daemon (pid ${h.pid})` : `'opensentience ${h.holder.replace(/^cli: /, "")}' (pid ${h.pid})`;
}

/** Takes the lock for `holder`; `already_running` naming the live holder when it is taken. */
export function acquireLock(path: string, holder = "daemon"): Lock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n${holder.replace(/[\r\n]/g, " ").slice(0, 200)}\n`);
      closeSync(fd);
      return {
        release() {
          try {
            if (Number.parseInt(readFileSync(path, "utf8"), 10) === process.pid) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new AppError("io", `cannot create lock ${path}: ${(e as Error).message}`);
      const h = lockHolder(path);
      if (h) {
        const hint = h.holder === "daemon" ? "stop it first or use its URL from 'opensentience token'" : "wait for it to finish";
        throw new AppError("already_running", `${describeHolder(h)} is writing to this data directory; ${hint}`, { details: { pid: h.pid, holder: h.holder } });
      }
      try {
        unlinkSync(path);
      } catch {
        // raced with another starter; retry once
      }
    }
  }
  throw new AppError("already_running", "another opensentience process is taking the lock");
}

/**
 * Takes the lock, waiting while another holder has it (polling: a lock file
 * gives no event to await), for at most `waitMs`. `onWait` is told once who is
 * being waited for; `giveUp` is asked on every poll and ends the wait early
 * (e.g. the CLI stops waiting once the holder turns out to be a daemon it can
 * talk to).
 */
export async function acquireLockWaiting(path: string, holder: string, opts: { waitMs: number; onWait?: (h: LockHolder) => void; giveUp?: (h: LockHolder) => boolean }): Promise<Lock | null> {
  const deadline = Date.now() + opts.waitMs;
  let told = false;
  for (;;) {
    try {
      return acquireLock(path, holder);
    } catch (e) {
      const h = lockHolder(path);
      if ((e as AppError).code !== "already_running" || !h) {
        if (!h && Date.now() < deadline) continue; // freed between the attempt and the look
        throw e;
      }
      if (opts.giveUp?.(h)) return null;
      if (Date.now() >= deadline) throw e;
      if (!told) opts.onWait?.(h);
      told = true;
      await Bun.sleep(100);
    }
  }
}
