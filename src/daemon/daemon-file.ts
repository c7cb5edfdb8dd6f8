/** The daemon file tells CLI commands where the running daemon listens. Mode 0600, written atomically. */
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { isAlive } from "./lock.ts";

export const daemonFileSchema = z.object({
  url: z.string().url(),
  /** The local API socket (daemon/local-api-socket.ts); absent when the daemon could not listen on it. */
  socket: z.string().startsWith("/").optional(),
  pid: z.number().int().positive(),
  nonce: z.string().min(16),
  started_at: z.string(),
  version: z.string().optional(),
});
export type DaemonFile = z.infer<typeof daemonFileSchema>;

export function writeDaemonFile(path: string, info: DaemonFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Returns the running daemon's info, or null when there is none (missing, corrupt, or dead pid). */
export function readDaemonFile(path: string): DaemonFile | null {
  try {
    const parsed = daemonFileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (!parsed.success || !isAlive(parsed.data.pid)) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

export function removeDaemonFile(path: string, nonce: string): void {
  try {
    const cur = JSON.parse(readFileSync(path, "utf8")) as { nonce?: string };
    if (cur.nonce === nonce) unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
