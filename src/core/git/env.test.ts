import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { absolutePath, DEFAULT_PATH } from "../absolute-path.ts";
import { hardenedEnv } from "./env.ts";

test("only the absolute entries of the caller's PATH are kept", () => {
  expect(absolutePath(".:bin::/usr/bin:./node_modules/.bin:/bin:/usr/bin")).toBe("/usr/bin:/bin");
  expect(absolutePath(".")).toBe(DEFAULT_PATH);
  expect(absolutePath(undefined)).toBe(DEFAULT_PATH);
});

test("git run in a checkout that holds its own `git` runs the real one, even with `.` on the caller's PATH", () => {
  const dir = mkdtempSync(join(tmpdir(), "os-gitpath-"));
  try {
    writeFileSync(join(dir, "git"), "#!/bin/sh\necho planted\n");
    chmodSync(join(dir, "git"), 0o755);
    const parent = { PATH: `.:${process.env.PATH ?? DEFAULT_PATH}` };
    const run = (env: Record<string, string | undefined>) => Bun.spawnSync(["git", "--version"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" }).stdout.toString();
    // The caller's environment as is finds the planted file: the check below can fail.
    expect(run(parent)).toBe("planted\n");
    expect(run(hardenedEnv({ home: dir, parent }))).toStartWith("git version ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
