/**
 * Hardening of the daemon's own process, applied first thing in `serve`.
 *
 * Linux: `prctl(PR_SET_DUMPABLE, 0)`. A dumpable process lets any other
 * process of the same user read `/proc/<pid>/environ` (which still shows the
 * environment the daemon started with, OPENSENTIENCE_ADMIN_TOKEN included,
 * even after it is deleted from `process.env`), `/proc/<pid>/mem` and attach
 * with ptrace. Non-dumpable, those files belong to root and the kernel's
 * ptrace check refuses non-root readers; no core dump is written either.
 * What it does not stop: root, or a process holding CAP_SYS_PTRACE.
 * Children are unaffected: `execve` makes a new program dumpable again.
 *
 * Elsewhere it is a no-op, reported as a note.
 */
import { dlopen, FFIType } from "bun:ffi";

const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;

export interface HardenResult {
  /** True when the process is now non-dumpable. */
  applied: boolean;
  /** Why not, or what was done (for a log line). */
  note: string;
}

/** libc names to try: glibc, then musl (Alpine). */
function libcCandidates(): string[] {
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  return ["libc.so.6", `libc.musl-${arch}.so.1`];
}

export function markNonDumpable(platform: NodeJS.Platform = process.platform): HardenResult {
  if (platform !== "linux") return { applied: false, note: `process hardening: PR_SET_DUMPABLE is Linux-only; on ${platform} the daemon stays dumpable` };
  let lastError = "";
  for (const name of libcCandidates()) {
    let lib: ReturnType<typeof openPrctl> | undefined;
    try {
      lib = openPrctl(name);
    } catch (e) {
      lastError = (e as Error).message;
      continue;
    }
    try {
      // prctl is variadic in C; passing the unused arguments as zeros is how the man page calls it.
      const set = lib.symbols.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
      const now = lib.symbols.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
      if (set !== 0 || now !== 0) return { applied: false, note: `process hardening: prctl(PR_SET_DUMPABLE, 0) failed (returned ${set}, dumpable is ${now})` };
      return { applied: true, note: "process hardening: not dumpable (other processes of this user cannot read its environment or memory)" };
    } finally {
      lib.close();
    }
  }
  return { applied: false, note: `process hardening: cannot load libc for prctl (${lastError}); the daemon stays dumpable` };
}

function openPrctl(name: string) {
  return dlopen(name, { prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 } });
}
