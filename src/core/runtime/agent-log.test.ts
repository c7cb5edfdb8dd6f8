import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentLog, pipeToLog } from "./agent-log.ts";

test("redacted, rotated at the cap (one previous file kept), bounded in memory", () => {
  const dir = mkdtempSync(join(tmpdir(), "oslog-"));
  const log = new AgentLog(join(dir, "a.log"), 4096);
  log.append("stderr", "connecting with Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789");
  log.append("stdout", "password=hunter2 and postgres://bob:s3cret@db/x");
  const text = readFileSync(join(dir, "a.log"), "utf8");
  expect(text).not.toContain("abcdefghijklmnopqrstuvwxyz0123456789");
  expect(text).not.toContain("hunter2");
  expect(text).not.toContain("s3cret");
  for (let i = 0; i < 500; i++) log.append("stdout", `line ${i} ${"x".repeat(40)}`);
  expect(existsSync(join(dir, "a.log.1"))).toBe(true);
  expect(statSync(join(dir, "a.log")).size).toBeLessThanOrEqual(4096);
  expect(statSync(join(dir, "a.log.1")).size).toBeLessThanOrEqual(4096);
  expect(log.tail(3).map((l) => l.line.split(" ")[1])).toEqual(["497", "498", "499"]);
  for (let i = 0; i < 3000; i++) log.append("stdout", "y");
  expect(log.tail(10_000).length).toBe(2000);
});

test("pipeToLog splits chunks into lines and keeps a partial last line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "oslog-"));
  const log = new AgentLog(join(dir, "b.log"), 1 << 20);
  const seen: string[] = [];
  log.subscribe((l) => seen.push(`${l.stream}:${l.line}`));
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const part of ["hel", "lo\nwor", "ld\n\npartial"]) c.enqueue(enc.encode(part));
      c.close();
    },
  });
  await pipeToLog(stream, log, "stdout");
  expect(seen).toEqual(["stdout:hello", "stdout:world", "stdout:partial"]);
});
