/**
 * Build output is agent-controlled text (mix.exs and macros run at build time):
 * a key printed by `mix compile` must not reach build.log or the error tail.
 * A stand-in `mix` on PATH prints it; runBuild runs it as it would run mix.
 */
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBuild } from "./build.ts";

test("a PEM key and a JWT printed during the build are masked in build.log and the tail", async () => {
  const dir = mkdtempSync(join(tmpdir(), "osbuild-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const body = "MIIEowIBAAKCAQEAz9Xk9fQ2mL7pR4vT8wZ3yB6nD1hJ5sG0cAeFiMoUqWt0aBcD";
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJidWlsZCJ9.c2lnbmF0dXJlLWZyb20tdGhlLWJ1aWxk";
  writeFileSync(
    join(bin, "mix"),
    ["#!/bin/sh", 'echo "compiling $1"', "echo '-----BEGIN PRIVATE KEY-----'", `echo '${body}'`, "echo '-----END PRIVATE KEY-----'", `echo 'token ${jwt}' >&2`, "echo done"].join("\n"),
    { mode: 0o755 },
  );
  const logPath = join(dir, "build.log");
  const r = await runBuild({ dir, env: { PATH: `${bin}:/usr/bin:/bin` }, timeoutMs: 30_000, logPath });
  expect(r.ok).toBe(true);
  const log = readFileSync(logPath, "utf8");
  for (const text of [log, r.tail.join("\n")]) {
    expect(text).not.toContain(body);
    expect(text).not.toContain("END PRIVATE KEY");
    expect(text).not.toContain("c2lnbmF0dXJl");
    expect(text).toContain("[REDACTED]");
  }
  expect(log).toContain("compiling compile");
  expect(r.tail).toContain("done");
});
