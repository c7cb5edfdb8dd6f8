/**
 * The serving daemon is not dumpable, so another process of the same user
 * cannot read its environment (where OPENSENTIENCE_ADMIN_TOKEN still is, in
 * the kernel's copy that deleting it from process.env does not touch) nor its
 * memory.
 *
 * What this proves, precisely: run as uid 65534 with the token in its
 * environment, the compiled daemon's /proc/<pid>/environ becomes root-owned
 * (the kernel's sign of dumpable = 0), and a reader running as that same uid
 * is refused — while the same reader can read a dumpable process of that uid,
 * so the refusal is the daemon's doing, not the reader's. It does not claim
 * protection from root: root still reads it (shown below).
 */
import { afterAll, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { canDropPrivileges, handSandboxTo, makeSandbox, NOBODY, runBinary, startServe, stopAllDaemons } from "../helpers/binary.ts";

afterAll(stopAllDaemons);

const asNobody = (argv: string[], env: Record<string, string> = {}) =>
  Bun.spawn(["setpriv", `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", "--", ...argv], { env: { PATH: "/usr/bin:/bin", ...env }, stdout: "pipe", stderr: "pipe" });

async function readAsNobody(path: string): Promise<{ code: number; out: string; err: string }> {
  const p = asNobody(["cat", path]);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

test.skipIf(process.platform !== "linux" || !canDropPrivileges())("a same-user process cannot read the daemon's environment (admin token) from /proc", async () => {
  const box = makeSandbox({ prefix: "os-harden-" });
  try {
    handSandboxTo(box, NOBODY);
    const token = `env-token-${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const d = await startServe({ sandbox: box, as: NOBODY, env: { OPENSENTIENCE_ADMIN_TOKEN: token } });
    const environ = `/proc/${d.info.pid}/environ`;

    // Control: the same reader, same uid, reads a dumpable process's environment.
    // It announces itself only after its own execve: between setpriv's setresuid and that exec the kernel marks
    // it non-dumpable too (credentials changed), so reading earlier races the very thing this test checks.
    const control = asNobody(["sh", "-c", "echo ready; exec sleep 30"], { MARKER: "visible-to-same-uid" });
    try {
      const reader = control.stdout.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain("ready");
      reader.releaseLock();
      const seen = await readAsNobody(`/proc/${control.pid}/environ`);
      expect(seen.out).toContain("MARKER=visible-to-same-uid");
      expect(statSync(`/proc/${control.pid}/environ`).uid).toBe(NOBODY.uid);
    } finally {
      control.kill("SIGKILL");
    }

    // The daemon: root-owned /proc files (dumpable = 0) and the same-uid reader is refused.
    expect(statSync(environ).uid).toBe(0);
    const r = await readAsNobody(environ);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("Permission denied");
    expect(r.out).not.toContain(token);

    // Honest limit: the kernel still holds the token there, and root can read it.
    expect(await Bun.file(environ).text()).toContain(token);

    // The daemon works as before: the CLI, as the same user with the same token, goes through its API.
    const list = await runBinary(["agents", "list", "--json"], { sandbox: box, as: NOBODY, env: { OPENSENTIENCE_ADMIN_TOKEN: token } });
    expect(list.code, list.describe()).toBe(0);
    expect(d.stderr()).not.toContain("process hardening");
    await d.stop();
  } finally {
    box.cleanup();
  }
});
