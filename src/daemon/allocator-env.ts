/**
 * The daemon's allocator setting. Bun allocates through mimalloc, which by
 * default hands freed pages back to the kernel (`madvise(MADV_DONTNEED)`, 64 KB
 * at a time) shortly after they empty. A daemon serving tool calls frees and
 * reallocates the same pages thousands of times a second, so it spent ~0.3
 * madvise calls per tool call (~100 µs each in the kernel, plus the page
 * faults to get the pages back). With purging off (`MIMALLOC_PURGE_DELAY=-1`)
 * bench/allocator.ts measures daemon CPU per call, calls/s and slow calls with
 * and without purging (README "Performance"); the price is resident memory:
 * pages are kept for reuse, up to the daemon's peak.
 *
 * mimalloc reads its options when the process starts, before any JavaScript
 * runs, so `serve` re-executes itself once with the variable set (same pid,
 * same arguments; `execve` keeps the pid, so supervisors and pid files are
 * unaffected). Set MIMALLOC_PURGE_DELAY yourself (e.g. `10`, mimalloc's
 * default) to keep the default behaviour: a value that is already set is left
 * alone. Agents never see the variable (their environment is an allowlist).
 */
import { isCompiled } from "../core/service/spec.ts";

export const ALLOCATOR_ENV = "MIMALLOC_PURGE_DELAY";

/** Re-executes this process with the daemon's allocator setting, unless it is set already. Returns only if it did not. */
export function reexecWithAllocatorEnv(): void {
  if (process.env[ALLOCATOR_ENV] !== undefined) return;
  const self = process.execPath;
  // Compiled: argv is [bun, <embedded entry>, ...args]; from source: [bun, src/main.ts, ...args].
  const compiled = isCompiled({ execPath: self, main: Bun.main });
  const args = [self, ...process.argv.slice(compiled ? 2 : 1)];
  try {
    process.execve?.(self, args, { ...process.env, [ALLOCATOR_ENV]: "-1" });
  } catch {
    // No execve here (or it failed): run with the allocator's defaults rather than not at all.
  }
}
