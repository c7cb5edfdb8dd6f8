/**
 * Single-instance lock: an exclusively created pid file. A lock whose pid is no
 * longer alive (daemon killed with -9) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { AppError } from "../core/errors.ts";

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface Lock {
  release(): void;
}

export function acquireLock(path: string): Lock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new AppError("io", `cannot create lock ${path}: ${(e as Error).message}`);
      let pid = 0;
      try {
        pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
      } catch {
        // unreadable: treat as stale
      }
      if (isAlive(pid) && pid !== process.pid) {
        throw new AppError("already_running", `another opensentience daemon is running (pid ${pid}); stop it first or use its URL from 'opensentience token'`);
      }
      try {
        unlinkSync(path);
      } catch {
        // raced with another starter; retry once
      }
    }
  }
  throw new AppError("already_running", "another opensentience daemon is starting");
}
