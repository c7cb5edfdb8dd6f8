/**
 * The toolchain the sandbox mounts and runs is found on PATH's absolute entries only: with `.` on PATH, a daemon
 * started inside an agent's checkout would otherwise take that checkout's planted `mix` for Elixir's.
 */
import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("findToolchain ignores relative PATH entries (checked in a process started in a directory with a planted mix)", () => {
  const real = Bun.which("mix");
  if (!real) throw new Error("mix is not installed (scripts/test.sh installs Elixir)");
  const dir = mkdtempSync(join(tmpdir(), "os-probe-"));
  try {
    writeFileSync(join(dir, "mix"), "#!/bin/sh\necho planted\n");
    chmodSync(join(dir, "mix"), 0o755);
    const script = `const { findToolchain } = await import(${JSON.stringify(join(import.meta.dir, "probe.ts"))}); console.log(findToolchain(".:" + process.env.PATH)?.mixScript ?? "none");`;
    const r = Bun.spawnSync([process.execPath, "-e", script], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString().trim()).toBe(realpathSync(real));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
