/**
 * One writer per data directory, through the COMPILED binary with the real
 * echo example agent (issue 10):
 *   - with no daemon, a writing command holds the daemon's lock, and a daemon
 *     started meanwhile waits for it instead of writing alongside;
 *   - with a daemon, every writing command goes through its API: the CLI
 *     process never opens the catalog (proved with strace), the audit actor is
 *     still `cli`, and revoke / disable / uninstall of a running agent end its
 *     process before the command returns (kill-switch rows in the audit log).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { alive } from "../../src/core/runtime/process-tree.ts";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";

setDefaultTimeout(120_000);

const ECHO = "com.opensentience.examples.echo";
const SECRET_PERM = "env:read:ECHO_EXAMPLE_SECRET";
const REPO = resolve(import.meta.dir, "../..");
let box: Sandbox;
let daemon: ServeHandle;
const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });

type AuditRow = { id: number; actor: string; action: string; outcome: string; details: Record<string, unknown> };
const audit = async (...args: string[]) => (await run(["audit", "--agent", ECHO, "--limit", "200", "--json", ...args])).json<{ events: AuditRow[] }>().events;

/**
 * Runs the binary under strace and returns every path it opened: the proof
 * that a command run while the daemon is up never opens the catalog itself.
 */
async function traced(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; opened: string[] }> {
  const out = box.path(`strace-${Date.now()}.txt`);
  const proc = Bun.spawn(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", out, await binaryPath(), ...args], {
    cwd: box.cwd,
    env: box.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const opened = [...readFileSync(out, "utf8").matchAll(/open(?:at2?)?\((?:[^,]*, )?"([^"]*)"/g)].map((m) => m[1]!);
  rmSync(out, { force: true });
  return { code, stdout, stderr, opened };
}

const catalogOpens = (opened: string[]) => opened.filter((p) => p.startsWith(box.home) && /catalog|\.db/.test(p));

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-1w-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], examples_registry: false, limits: { shutdown_grace_ms: 3000 } }));
  const reg = publishExamples(box.dir, [ECHO]);
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
}, 120_000);

afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
});

describe("one writer", () => {
  test("no daemon: install holds the daemon's lock, and a daemon started meanwhile waits for it", async () => {
    const lockFile = join(box.home, "daemon.lock");
    const install = runBinary(["agents", "install", ECHO, "--yes"], { sandbox: box, timeoutMs: 240_000 });
    const held = await waitFor(() => (existsSync(lockFile) ? readFileSync(lockFile, "utf8") : null), { timeoutMs: 30_000, what: "the CLI's lock" });
    expect(held).toContain("cli: agents install");
    const serve = startServe({ sandbox: box, readyTimeoutMs: 300_000 });
    const r = await install;
    expect(r.code).toBe(0);
    daemon = await serve;
    // The daemon could only start once the install had released the lock.
    const log = daemon.stderr();
    const waited = /waiting for 'opensentience agents install' \(pid \d+\) to finish/.test(log);
    const rows = (await audit()).reverse();
    const installed = rows.findIndex((e) => e.action === "agent.install" && e.outcome === "ok");
    expect(installed).toBeGreaterThanOrEqual(0);
    const all = (await run(["audit", "--action", "daemon.start", "--json"])).json<{ events: AuditRow[] }>().events;
    expect(all.length).toBe(1);
    expect(all[0]!.id).toBeGreaterThan(rows[installed]!.id);
    // The build takes seconds, so the daemon saw the lock taken (not merely free later).
    expect(waited).toBe(true);
    expect(readFileSync(lockFile, "utf8").split("\n")[0]).toBe(String(daemon.pid));
  }, 400_000);

  test("with the daemon up, enable goes through its API: the CLI never opens the catalog, the actor is still cli", async () => {
    const r = await traced(["agents", "enable", ECHO, "--approve-all", "--json"]);
    expect(r.code).toBe(0);
    expect(r.opened.length).toBeGreaterThan(0); // strace saw the process at all
    expect(catalogOpens(r.opened)).toEqual([]);
    const enabled = (await audit("--action", "agent.enable"))[0]!;
    expect(enabled.actor).toBe("cli");
  });

  async function runEcho(): Promise<number> {
    const st = (await run(["agents", "run", ECHO, "--json"])).json<{ state: string; pid: number }>();
    expect(st.state).toBe("running");
    return st.pid;
  }

  async function expectKillSwitch(reason: string, afterId: number) {
    const rows = (await audit("--action", "agent.kill_switch")).filter((e) => e.id > afterId);
    expect(rows.map((e) => e.details.reason)).toEqual([reason]);
  }

  const lastAuditId = async () => (await audit())[0]?.id ?? 0;

  test("revoke of a running agent: its process is gone when the command returns", async () => {
    const pid = await runEcho();
    const before = await lastAuditId();
    const r = await traced(["agents", "revoke", ECHO, SECRET_PERM]);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(catalogOpens(r.opened)).toEqual([]);
    await expectKillSwitch("permission_revoked", before);
    expect((await audit("--action", "agent.revoke"))[0]!.actor).toBe("cli");
  });

  test("disable of a running agent: its process is gone when the command returns", async () => {
    await run(["agents", "enable", ECHO, "--approve-all"]);
    const pid = await runEcho();
    const before = await lastAuditId();
    const r = await traced(["agents", "disable", ECHO]);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(catalogOpens(r.opened)).toEqual([]);
    await expectKillSwitch("disabled", before);
    expect((await audit("--action", "agent.disable"))[0]!.actor).toBe("cli");
  });

  test("uninstall of a running agent stops it before any file is deleted", async () => {
    await run(["agents", "enable", ECHO, "--approve-all"]);
    const pid = await runEcho();
    const installDir = join(box.home, "agents", ECHO);
    expect(existsSync(installDir)).toBe(true);
    const before = await lastAuditId();
    const r = await traced(["agents", "uninstall", ECHO, "--yes"]);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(installDir)).toBe(false);
    expect(catalogOpens(r.opened)).toEqual([]);
    const rows = (await audit()).filter((e) => e.id > before).reverse();
    const killed = rows.findIndex((e) => e.action === "agent.kill_switch");
    const removed = rows.findIndex((e) => e.action === "agent.uninstall" && e.outcome === "ok");
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(killed);
    expect(rows[removed]!.actor).toBe("cli");
  });

  test("reads go through the daemon too (list, info, audit) without opening the catalog", async () => {
    for (const args of [["agents", "list", "--json"], ["agents", "info", ECHO, "--json"], ["audit", "--limit", "3", "--json"], ["registry", "list", "--json"]]) {
      const r = await traced(args);
      expect(r.code).toBe(0);
      expect(catalogOpens(r.opened)).toEqual([]);
    }
  });

  test("without a daemon the same commands work on the data directory", async () => {
    await daemon.stop();
    const r = await runBinary(["registry", "remove", "local", "--json"], { sandbox: box });
    expect(r.code).toBe(0);
    expect(existsSync(join(box.home, "daemon.lock"))).toBe(false); // released after the command
    const rows = (await run(["audit", "--action", "registry.remove", "--json"])).json<{ events: AuditRow[] }>().events;
    expect(rows[0]!.actor).toBe("cli");
  });
});
