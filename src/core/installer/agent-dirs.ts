/**
 * On-disk layout of one installed agent, and the lock that serialises
 * install/update/uninstall of it across processes:
 *
 *   agents/<id>/src        the working build (installs.install_path for remote agents)
 *   agents/<id>/next       a fetch + build in progress; renamed to src only on success
 *   agents/<id>/prev       the old src during the swap; removed right after
 *   agents/<id>/build.log  output of the last build (redacted)
 *   agents/<id>/.lock      pid of the process working on this agent
 *
 * `agents/` and `agents/<id>` must be real directories (never symlinks), and the
 * id was validated before it reached here.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../errors.ts";
import { assertNotSymlink, childDir, ensureRealDir, removePath } from "./safe-paths.ts";
import { pidAlive } from "../pid.ts";

export interface AgentDirs {
  root: string;
  src: string;
  next: string;
  prev: string;
  buildLog: string;
  lockFile: string;
  /** The agent's private writable directory in its sandbox (its HOME); removed with the agent. */
  data: string;
}

/** Resolves and checks the layout (no symlink anywhere from `agents/` down); creates nothing but `agents/`. */
export function agentDirs(agentsDir: string, id: string): AgentDirs {
  ensureRealDir(agentsDir);
  const root = childDir(agentsDir, id);
  assertNotSymlink(root, `agents/${id}`, true);
  const d = { root, src: join(root, "src"), next: join(root, "next"), prev: join(root, "prev"), buildLog: join(root, "build.log"), lockFile: join(root, ".lock"), data: join(root, "data") };
  for (const p of [d.src, d.next, d.prev, d.data]) assertNotSymlink(p, `agents/${id}/${p.slice(root.length + 1)}`, true);
  assertNotSymlink(d.buildLog, `agents/${id}/build.log`);
  return d;
}

/**
 * Takes the per-agent lock (creating `agents/<id>` if needed). A lock left by a
 * dead process is taken over. Returns the release function.
 */
export function lockAgent(d: AgentDirs, id: string): () => void {
  if (!existsSync(d.root)) mkdirSync(d.root, { mode: 0o700 });
  assertNotSymlink(d.root, `agents/${id}`, true);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(d.lockFile, String(process.pid), { flag: "wx", mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(d.lockFile, "utf8") === String(process.pid)) unlinkSync(d.lockFile);
        } catch {
          // Directory already removed (uninstall).
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new AppError("io", `cannot lock agents/${id}: ${(e as Error).message}`, { cause: e });
      let holder = NaN;
      try {
        holder = Number(readFileSync(d.lockFile, "utf8").trim());
      } catch {
        // Unreadable lock: treat as stale.
      }
      if (pidAlive(holder)) throw new AppError("conflict", `another install, update or uninstall of ${id} is in progress (pid ${holder})`);
      removePath(d.lockFile);
    }
  }
  throw new AppError("conflict", `cannot take the lock for ${id}`);
}

/** Repairs an interrupted swap and removes leftovers of an interrupted build. Call with the lock held. */
export function recoverDirs(d: AgentDirs): void {
  if (!existsSync(d.src) && existsSync(d.prev)) renameSync(d.prev, d.src);
  removePath(d.prev);
  removePath(d.next);
}

/** Makes `next` the working build: src → prev, next → src, prev removed. */
export function swapIn(d: AgentDirs): void {
  if (existsSync(d.src)) renameSync(d.src, d.prev);
  try {
    renameSync(d.next, d.src);
  } catch (e) {
    if (existsSync(d.prev) && !existsSync(d.src)) renameSync(d.prev, d.src);
    throw new AppError("io", `cannot move the new build into ${d.src}: ${(e as Error).message}`, { cause: e });
  }
  removePath(d.prev);
}
