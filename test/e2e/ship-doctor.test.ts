/**
 * `opensentience doctor` through the compiled binary: a healthy sandbox passes
 * (exit 0), and real breakage (no git/elixir on PATH, a world-writable data
 * dir, a port held by another program) fails with exit 1 and a fix per check.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { binaryPath, makeSandbox, runBinary, type Sandbox } from "../helpers/binary.ts";

interface Report {
  ok: boolean;
  counts: { ok: number; warn: number; fail: number };
  checks: Array<{ id: string; status: "ok" | "warn" | "fail"; message: string; fix?: string }>;
}

const haveToolchain = Bun.which("git") !== null && Bun.which("elixir") !== null && Bun.which("mix") !== null;
let box: Sandbox;
const byId = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c]));

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-ship-doctor-" });
});
afterAll(() => box?.cleanup());

describe("doctor through the compiled binary", () => {
  test.skipIf(!haveToolchain)("a healthy sandbox: every check ok or warn, exit 0", async () => {
    const r = await runBinary(["doctor", "--json"], { sandbox: box, env: { OPENSENTIENCE_PORT: "0" } });
    expect(r.code, r.describe()).toBe(0);
    const report = r.json<Report>();
    expect(report.ok).toBe(true);
    const checks = byId(report);
    for (const id of ["config", "git", "elixir", "mix", "otp", "sdk", "data_dir", "socket_dir", "socket_path", "api_socket", "port", "admin_token", "disk"]) expect(checks[id], id).toBeDefined();
    expect(checks.data_dir!.message).toContain("does not exist yet");
    // doctor changes nothing: the data dir is still not there.
    expect(existsSync(box.home)).toBe(false);
    const human = await runBinary(["doctor"], { sandbox: box, env: { OPENSENTIENCE_PORT: "0" } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok {4}git {2,}git \d+\.\d+/m);
    expect(human.stdout).toMatch(/\d+ ok, \d+ warnings?, 0 failures\n$/);
  });

  test("missing git and elixir, a world-writable data dir and a taken port: exit 1, each with a fix", async () => {
    const emptyBin = box.path("empty-bin");
    mkdirSync(emptyBin, { recursive: true });
    mkdirSync(box.home, { recursive: true, mode: 0o700 });
    chmodSync(box.home, 0o777);
    writeFileSync(`${box.home}/admin.token`, "a".repeat(64), { mode: 0o644 });
    chmodSync(`${box.home}/admin.token`, 0o644);
    const server: Server = createServer();
    await new Promise<void>((res) => server.listen({ host: "127.0.0.1", port: 0 }, res));
    const port = (server.address() as { port: number }).port;
    try {
      // The binary is started by absolute path; only its children's PATH is empty.
      const r = await runBinary(["doctor", "--json"], { sandbox: box, env: { PATH: emptyBin, OPENSENTIENCE_PORT: String(port) } });
      expect(r.code, r.describe()).toBe(1);
      const report = r.json<Report>();
      expect(report.ok).toBe(false);
      const checks = byId(report);
      for (const id of ["git", "elixir", "mix", "data_dir", "port", "admin_token"]) {
        expect(checks[id]!.status, id).toBe("fail");
        expect(checks[id]!.fix, id).toBeTruthy();
      }
      expect(checks.data_dir!.fix).toBe(`chmod 700 ${box.home}`);
      expect(checks.port!.message).toContain(`127.0.0.1:${port} is in use by another program`);

      const human = await runBinary(["doctor"], { sandbox: box, env: { PATH: emptyBin, OPENSENTIENCE_PORT: String(port) } });
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/^FAIL {2}git {2,}git is not installed/m);
      expect(human.stdout).toContain("fix: install git 2.45.1 or later");
    } finally {
      await new Promise((res) => server.close(res));
      chmodSync(box.home, 0o700);
    }
  });

  test("a misspelt config.json key: 'did you mean', and no port verdict from a default it may not use", async () => {
    const home = box.path("typo-home");
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(`${home}/config.json`, JSON.stringify({ prot: 7000 }));
    // Another program on the default port: a doctor that fell back to 6767 would call it "in use".
    const server: Server = createServer();
    await new Promise<boolean>((res) => {
      server.once("error", () => res(false));
      server.listen({ host: "127.0.0.1", port: 6767 }, () => res(true));
    });
    try {
      const r = await runBinary(["doctor"], { sandbox: box, env: { OPENSENTIENCE_HOME: home } });
      expect(r.code, r.describe()).toBe(1);
      expect(r.stdout).toMatch(/^FAIL {2}config .*prot: unknown field \(did you mean 'port'\?\)/m);
      expect(r.stdout).toMatch(/^warn {2}port .*not checked: .*config\.json is invalid/m);
      expect(r.stdout).not.toContain("in use");
    } finally {
      await new Promise((res) => server.close(() => res(undefined)));
    }
  });
});
