/**
 * Single-instance lock: an exclusively created pid file. A lock whose pid is no
 * longer alive (daemon killed with -9) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { AppError } from "../core/errors.ts";
import { pidAlive } from "../core/pid.ts";

/** Re-exported for the daemon file and lock callers. */
export { pidAlive as isAlive };

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
      if (pidAlive(pid) && pid !== process.pid) {
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
