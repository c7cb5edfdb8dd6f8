/**
 * `serve` re-executes itself once with the daemon's allocator setting
 * (src/daemon/allocator-env.ts): the daemon that answers is the very process
 * that was started (same pid, same arguments), it runs with
 * MIMALLOC_PURGE_DELAY=-1, and a value the user set is left alone. Read from
 * the kernel's copy of its environment (/proc/<pid>/environ: root can read it
 * although the daemon is not dumpable; the suite runs as root).
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeSandbox, startServe, stopAllDaemons } from "../helpers/binary.ts";

afterAll(stopAllDaemons);

const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

test.skipIf(process.platform !== "linux" || process.getuid?.() !== 0)("the daemon runs with mimalloc's purging off, as the process that was started", async () => {
  const box = makeSandbox({ prefix: "os-alloc-" });
  try {
    const d = await startServe({ sandbox: box });
    expect(d.info.pid).toBe(d.pid); // execve kept the pid: daemon.json names the process we spawned
    expect(environ(d.pid)).toContain("MIMALLOC_PURGE_DELAY=-1");
    expect(cmdline(d.pid).slice(1)).toEqual(["serve", "--port", "0"]);
    const r = await fetch(new URL("/api/v1/health", d.info.url));
    expect(r.status).toBe(401); // it serves (and wants its token)
    await d.stop();
  } finally {
    box.cleanup();
  }
});

test.skipIf(process.platform !== "linux" || process.getuid?.() !== 0)("a MIMALLOC_PURGE_DELAY the user set is kept", async () => {
  const box = makeSandbox({ prefix: "os-alloc-" });
  try {
    const d = await startServe({ sandbox: box, env: { MIMALLOC_PURGE_DELAY: "10" } });
    const env = environ(d.pid);
    expect(env).toContain("MIMALLOC_PURGE_DELAY=10");
    expect(env).not.toContain("MIMALLOC_PURGE_DELAY=-1");
    await d.stop();
  } finally {
    box.cleanup();
  }
});
