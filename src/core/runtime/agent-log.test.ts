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

const JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudCIsImV4cCI6MTkwMDAwMDAwMH0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1zaG91bGQtbmV2ZXItbGVhaw";
const PEM = [
  "-----BEGIN RSA PRIVATE KEY-----",
  "MIIEowIBAAKCAQEAz9Xk9fQ2mL7pR4vT8wZ3yB6nD1hJ5sG0cAeFiMoUqWt0aBcD",
  "q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM0123456789abcdefABCDEF+/==",
  "-----END RSA PRIVATE KEY-----",
].join("\n");
const PEM_SECRETS = ["MIIEowIBAAKCAQEA", "q1W2e3R4t5Y6u7I8", "END RSA PRIVATE KEY"];

/** A byte stream delivering `text` in chunks of `size` bytes (splitting lines and tokens anywhere). */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.subarray(i, i + size));
      c.close();
    },
  });
}

function newLog(): { log: AgentLog; file: string; seen: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "oslog-"));
  const file = join(dir, "agent.log");
  const log = new AgentLog(file, 1 << 22);
  const seen: string[] = [];
  log.subscribe((l) => seen.push(l.line));
  return { log, file, seen };
}

/** Everything a reader can get: the file, the ring (API tail) and what followers (API follow, SSE) received. */
const everywhere = (t: ReturnType<typeof newLog>) => [readFileSync(t.file, "utf8"), t.log.tail(10_000).map((l) => l.line).join("\n"), t.seen.join("\n")];

test("a JWT on stdout is masked in the file, the tail and for followers", async () => {
  const t = newLog();
  await pipeToLog(chunked(`authenticated with ${JWT} expires soon\n`, 7), t.log, "stdout");
  for (const text of everywhere(t)) {
    expect(text).not.toContain("c2lnbmF0dXJl");
    expect(text).not.toContain("eyJzdWIiOiJhZ2VudCIs");
    expect(text).toContain("expires soon");
  }
});

test("a PEM private key on stdout is masked whole, whatever the chunk boundaries", async () => {
  for (const size of [1, 2, 3, 5, 16, 31, 64, 4096]) {
    const t = newLog();
    await pipeToLog(chunked(`loading key\n${PEM}\nkey loaded\n`, size), t.log, "stdout");
    for (const text of everywhere(t)) {
      for (const s of PEM_SECRETS) expect(text).not.toContain(s);
    }
    expect(t.log.tail(10).map((l) => l.line)).toEqual(["loading key", "[REDACTED]", "key loaded"]);
  }
});

test("a PEM key sent as one `log` frame per line is masked too; stdout in between does not end it", () => {
  const t = newLog();
  const lines = PEM.split("\n");
  t.log.append("agent", "rotating key", "info");
  t.log.append("agent", lines[0]!, "debug");
  t.log.append("stdout", "unrelated stdout line");
  for (const l of lines.slice(1)) t.log.append("agent", l, "debug");
  t.log.append("agent", "rotated", "info");
  for (const text of everywhere(t)) for (const s of PEM_SECRETS) expect(text).not.toContain(s);
  expect(t.log.tail(10).map((l) => `${l.stream}:${l.line}`)).toEqual(["agent:rotating key", "agent:[REDACTED]", "stdout:unrelated stdout line", "agent:rotated"]);
});

test("an over-long line is cut once; its rest never comes back as fragments", async () => {
  const t = newLog();
  // Tokens straddle the points where a carry buffer is flushed (16 KiB now; 33,000 with
  // 1000-byte chunks and the previous 32 KiB cap).
  const token = `ghp_${"Zq9".repeat(30)}`;
  const line = `${"word ".repeat(3270)}${token}${" word".repeat(3303)}${token} end-of-long-line`;
  await pipeToLog(chunked(`${line}\nnext line\n`, 1000), t.log, "stdout");
  const [file] = everywhere(t);
  expect(file).not.toContain("Zq9Zq9");
  expect(file).not.toContain("end-of-long-line");
  expect(t.log.tail(10).map((l) => l.line.length <= 8193)).toEqual([true, true]);
  expect(t.log.tail(1)[0]!.line).toBe("next line");
});
