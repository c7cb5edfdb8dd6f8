/**
 * `opensentience service install|status|uninstall` through the compiled binary,
 * in a sandbox with no systemd user session (as in a container or CI): the unit
 * is written with the binary's absolute path, install explains what to run and
 * exits 0, and nothing touches the real user's service manager (the child gets
 * no XDG_RUNTIME_DIR or session bus, and HOME/XDG_CONFIG_HOME are the sandbox's).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, makeSandbox, runBinary, type Sandbox } from "../helpers/binary.ts";

let box: Sandbox;
let bin: string;
const NO_SESSION = { XDG_RUNTIME_DIR: undefined, DBUS_SESSION_BUS_ADDRESS: undefined };
const run = (...args: string[]) => runBinary(args, { sandbox: box, env: NO_SESSION });

beforeAll(async () => {
  bin = await binaryPath();
  box = makeSandbox({ prefix: "os-ship-service-", env: { OPENSENTIENCE_ADMIN_TOKEN: "t".repeat(64) } });
});
afterAll(() => box?.cleanup());

describe.skipIf(process.platform !== "linux")("service on Linux without a systemd user session", () => {
  const unitFile = () => join(box.env.XDG_CONFIG_HOME!, "systemd", "user", "opensentience.service");

  test("--print previews the unit and writes nothing", async () => {
    const r = await run("service", "install", "--print");
    expect(r.code, r.describe()).toBe(0);
    expect(r.stdout).toContain(`ExecStart=${bin} serve`);
    expect(existsSync(unitFile())).toBe(false);
    expect(existsSync(box.home)).toBe(false);
  });

  test("install writes the unit, explains the manual step, exits 0", async () => {
    const r = await run("service", "install");
    expect(r.code, r.describe()).toBe(0);
    expect(r.stdout).toContain(`Wrote systemd user unit: ${unitFile()}`);
    expect(r.stdout).toContain("Service NOT started.");
    expect(r.stdout).toContain("systemctl --user enable --now opensentience.service");
    expect(r.stdout).toContain("no systemd user session");
    const unit = readFileSync(unitFile(), "utf8");
    expect(unit).toContain(`ExecStart=${bin} serve`);
    expect(unit).toContain(`Environment="OPENSENTIENCE_HOME=${box.home}"`);
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain("NoNewPrivileges=yes");
    expect(unit).not.toContain("t".repeat(64)); // the admin token never lands in a unit file
    expect(unit).not.toContain("OPENSENTIENCE_ADMIN_TOKEN");
    expect(statSync(join(box.home, "logs")).mode & 0o777).toBe(0o700);

    const again = await run("service", "install", "--json");
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ manager: "systemd", file: unitFile(), file_change: "unchanged", activated: false, manual: ["systemctl --user daemon-reload", "systemctl --user enable --now opensentience.service"] });
  });

  test("the unit the binary wrote passes systemd-analyze verify", async () => {
    if (!Bun.which("systemd-analyze")) {
      console.warn("skipped: systemd-analyze is not installed here");
      return;
    }
    const runtime = box.path("runtime");
    mkdirSync(runtime, { mode: 0o700, recursive: true });
    const p = Bun.spawnSync(["systemd-analyze", "--user", "verify", unitFile()], {
      env: { PATH: box.env.PATH!, HOME: box.userHome, XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: box.path("verify-config") },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect({ code: p.exitCode, out: `${p.stdout}${p.stderr}` }).toEqual({ code: 0, out: "" });
  });

  test("status, then uninstall removes the unit", async () => {
    const s = await run("service", "status", "--json");
    expect(s.code, s.describe()).toBe(0);
    expect(s.json()).toMatchObject({ manager: "systemd", installed: true, manager_reachable: false, daemon: null });
    const u = await run("service", "uninstall");
    expect(u.code, u.describe()).toBe(0);
    expect(u.stdout).toContain(`Removed ${unitFile()}`);
    expect(existsSync(unitFile())).toBe(false);
    const none = await run("service", "uninstall", "--json");
    expect(none.json()).toMatchObject({ removed: false, notes: ["not installed (no service file)"] });
  });
});
