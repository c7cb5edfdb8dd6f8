/**
 * The sandbox's exec step re-runs this program in the agent's checkout (bwrap --chdir). From source that is
 * `bun … src/main.ts`, and bun reads the working directory's bunfig.toml (a `preload` runs code) and .env files
 * unless told not to; the compiled binary is covered by test/e2e/sandbox-escapes.test.ts.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfCommand } from "./launcher.ts";

test("from source, the re-run program reads neither the working directory's bunfig.toml nor its .env", () => {
  const dir = mkdtempSync(join(tmpdir(), "os-self-"));
  try {
    const marker = join(dir, "preload-ran");
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.ts"]\n');
    writeFileSync(join(dir, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    writeFileSync(join(dir, ".env"), `OPENSENTIENCE_HOME=${join(dir, "home-from-dotenv")}\n`);
    const env = { PATH: process.env.PATH ?? "", HOME: dir };
    const r = Bun.spawnSync([...selfCommand().argv, "config", "show", "--json"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode, r.stderr.toString()).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect((JSON.parse(r.stdout.toString()) as { home: string }).home).toBe(join(dir, ".opensentience"));
    // The same command without the flags does read them: the test can fail.
    const plain = Bun.spawnSync([process.execPath, selfCommand().argv.at(-1)!, "--version"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
    expect(plain.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
