import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataPaths } from "../config/paths.ts";
import { GENERATED_PLIST_MARKER, LAUNCHD_LABEL, launchdPlist, xmlEscape } from "./launchd.ts";
import { type CommandResult, installService, type ServiceHost, serviceFile, serviceStatus, uninstallService, userNamespacesAllowed } from "./service.ts";
import { buildServiceSpec, CAPTURED_ENV, isCompiled, serveCommand, type ServiceSpec } from "./spec.ts";
import { GENERATED_MARKER, systemdEnvironment, systemdExecWord, systemdUnit } from "./systemd.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "os-service-"));
  dirs.push(d);
  return d;
}

const COMPILED = { execPath: "/opt/opensentience/bin/opensentience", main: "/$bunfs/root/opensentience" };

function spec(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    command: ["/opt/opensentience/bin/opensentience", "serve"],
    env: { PATH: "/home/u/.asdf/shims:/usr/bin:/bin", OPENSENTIENCE_HOME: "/home/u/os data" },
    dataDir: "/home/u/os data",
    logFile: "/home/u/os data/logs/daemon.log",
    version: "0.1.0",
    ...over,
  };
}

describe("service spec", () => {
  test("compiled binary: `<binary> serve`; from source: `bun <main.ts> serve`", () => {
    expect(isCompiled(COMPILED)).toBe(true);
    expect(serveCommand(COMPILED)).toEqual(["/opt/opensentience/bin/opensentience", "serve"]);
    expect(serveCommand({ execPath: "/usr/bin/bun", main: "/src/os/src/main.ts" })).toEqual(["/usr/bin/bun", "/src/os/src/main.ts", "serve"]);
  });

  test("captures PATH and OPENSENTIENCE_* settings, never the admin token; resolves the data dir", () => {
    const paths = dataPaths("/home/u/.os");
    const s = buildServiceSpec({
      paths,
      env: { PATH: "/a:/b", OPENSENTIENCE_HOME: "~/.os", OPENSENTIENCE_ADMIN_TOKEN: "x".repeat(64), SECRET: "s", OPENSENTIENCE_PORT: "" },
      program: COMPILED,
      version: "1.2.3",
    });
    expect(s.env).toEqual({ PATH: "/a:/b", OPENSENTIENCE_HOME: "/home/u/.os" });
    expect(s.logFile).toBe("/home/u/.os/logs/daemon.log");
    expect(CAPTURED_ENV as readonly string[]).not.toContain("OPENSENTIENCE_ADMIN_TOKEN");
    // Without OPENSENTIENCE_HOME the default applies; nothing to set.
    expect(buildServiceSpec({ paths, env: { PATH: "/a" }, program: COMPILED, version: "1" }).env).toEqual({ PATH: "/a" });
  });
});

describe("systemd unit", () => {
  test("content: restart on failure, binary + serve, environment, hardening, install target", () => {
    const unit = systemdUnit(spec(), { namespaces: true });
    expect(unit.startsWith(`${GENERATED_MARKER}\n`)).toBe(true);
    const lines = unit.split("\n");
    for (const l of [
      "ExecStart=/opt/opensentience/bin/opensentience serve",
      'Environment="PATH=/home/u/.asdf/shims:/usr/bin:/bin"',
      'Environment="OPENSENTIENCE_HOME=/home/u/os data"',
      "Restart=on-failure",
      "NoNewPrivileges=yes",
      "PrivateTmp=yes",
      "ProtectSystem=full",
      "UMask=0077",
      "KillMode=mixed",
      "StandardError=append:/home/u/os data/logs/daemon.log",
      "WantedBy=default.target",
    ]) {
      expect(lines).toContain(l);
    }
    expect(unit).not.toContain("ProtectSystem=strict");
    expect(unit).not.toContain("MemoryDenyWriteExecute");
    expect(unit).not.toContain("ProtectHome");
    const noNs = systemdUnit(spec(), { namespaces: false });
    expect(noNs).not.toMatch(/^PrivateTmp=/m);
    expect(noNs).not.toMatch(/^ProtectSystem=/m);
    expect(noNs).toMatch(/^NoNewPrivileges=yes$/m);
  });

  test("escaping: spaces, quotes, backslashes, % specifiers and $ variables", () => {
    expect(systemdExecWord("/usr/bin/x")).toBe("/usr/bin/x");
    expect(systemdExecWord("/My Apps/o s")).toBe('"/My Apps/o s"');
    expect(systemdExecWord('/a"b\\c')).toBe('"/a\\"b\\\\c"');
    expect(systemdExecWord("/100%/$HOME")).toBe('"/100%%/$$HOME"');
    expect(systemdEnvironment("X", 'a "q" 100% \\')).toBe('Environment="X=a \\"q\\" 100%% \\\\"');
    expect(() => systemdExecWord("/a\nExecStartPre=/bin/evil")).toThrow("control character");
    expect(() => systemdEnvironment("X", "a\nb")).toThrow("control character");
    expect(() => systemdEnvironment("BAD NAME", "v")).toThrow("variable name");
  });

  test("systemd-analyze verify accepts the unit with no warnings", () => {
    if (!Bun.which("systemd-analyze")) {
      console.warn("skipped: systemd-analyze is not installed on this machine (the content test above still ran)");
      return;
    }
    const d = temp();
    const runtime = join(d, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    chmodSync(runtime, 0o700);
    // ExecStart must name an existing executable: use the running bun, with odd characters in the arguments.
    const s = spec({ command: [process.execPath, join(d, "my src/main.ts"), "serve"], logFile: join(d, "data 100%/logs/daemon.log") });
    const file = join(d, "opensentience.service");
    for (const namespaces of [true, false]) {
      writeFileSync(file, systemdUnit(s, { namespaces }));
      const p = Bun.spawnSync(["systemd-analyze", "--user", "verify", file], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d, XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: join(d, "config"), SYSTEMD_LOG_LEVEL: "warning" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const out = `${p.stdout.toString()}${p.stderr.toString()}`;
      expect({ code: p.exitCode, out }).toEqual({ code: 0, out: "" });
    }
  });
});

/** A strict parser for the XML plist subset we write: fails on anything malformed. */
function parsePlist(xml: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  const expectText = (t: string) => {
    if (!xml.startsWith(t, i)) throw new Error(`expected ${t} at ${i}: ${xml.slice(i, i + 40)}`);
    i += t.length;
  };
  const skipMisc = () => {
    for (;;) {
      ws();
      if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i);
        if (end < 0 || xml.slice(i + 4, end).includes("--")) throw new Error("bad comment");
        i = end + 3;
      } else if (xml.startsWith("<!DOCTYPE", i)) i = xml.indexOf(">", i) + 1;
      else return;
    }
  };
  const text = (tag: string): string => {
    const end = xml.indexOf(`</${tag}>`, i);
    if (end < 0) throw new Error(`unclosed <${tag}>`);
    const raw = xml.slice(i, end);
    if (/[<]/.test(raw) || /&(?!(amp|lt|gt|quot|apos);)/.test(raw)) throw new Error(`bad text in <${tag}>: ${raw}`);
    i = end + tag.length + 3;
    return raw.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&apos;", "'").replaceAll("&amp;", "&");
  };
  const value = (): unknown => {
    ws();
    for (const [t, v] of [["<true/>", true], ["<false/>", false]] as const) {
      if (xml.startsWith(t, i)) {
        i += t.length;
        return v;
      }
    }
    if (xml.startsWith("<string>", i)) return (i += 8), text("string");
    if (xml.startsWith("<integer>", i)) {
      i += 9;
      const n = text("integer");
      if (!/^-?\d+$/.test(n)) throw new Error(`bad integer ${n}`);
      return Number(n);
    }
    if (xml.startsWith("<array>", i)) {
      i += 7;
      const out: unknown[] = [];
      for (ws(); !xml.startsWith("</array>", i); ws()) out.push(value());
      i += 8;
      return out;
    }
    if (xml.startsWith("<dict>", i)) {
      i += 6;
      const out: Record<string, unknown> = {};
      for (ws(); !xml.startsWith("</dict>", i); ws()) {
        expectText("<key>");
        const k = text("key");
        if (k in out) throw new Error(`duplicate key ${k}`);
        out[k] = value();
      }
      i += 7;
      return out;
    }
    throw new Error(`unexpected at ${i}: ${xml.slice(i, i + 40)}`);
  };
  expectText('<?xml version="1.0" encoding="UTF-8"?>');
  skipMisc();
  expectText('<plist version="1.0">');
  const v = value();
  ws();
  expectText("</plist>");
  skipMisc();
  if (i !== xml.length) throw new Error("trailing content");
  return v;
}

describe("launchd plist", () => {
  const odd = spec({ command: ["/Users/a & b/<bin>/opensentience", "serve"], env: { PATH: "/opt/homebrew/bin:/usr/bin", OPENSENTIENCE_HOME: "/Users/a/'x\"" } });

  test("content: label, program, KeepAlive on failure, RunAtLoad, logs in the data dir", () => {
    const xml = launchdPlist(odd);
    expect(xml).toContain(GENERATED_PLIST_MARKER);
    expect(parsePlist(xml)).toEqual({
      Label: LAUNCHD_LABEL,
      ProgramArguments: ["/Users/a & b/<bin>/opensentience", "serve"],
      EnvironmentVariables: { PATH: "/opt/homebrew/bin:/usr/bin", OPENSENTIENCE_HOME: "/Users/a/'x\"" },
      WorkingDirectory: "/home/u/os data",
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      ExitTimeOut: 30,
      Umask: 0o077,
      StandardOutPath: "/home/u/os data/logs/daemon.log",
      StandardErrorPath: "/home/u/os data/logs/daemon.log",
    });
    expect(() => xmlEscape("a\u0001b")).toThrow("plist cannot hold");
  });

  test("validated by plutil -lint, or else by python's plistlib, when either is on this machine", () => {
    const d = temp();
    const file = join(d, `${LAUNCHD_LABEL}.plist`);
    writeFileSync(file, launchdPlist(odd));
    if (Bun.which("plutil")) {
      const p = Bun.spawnSync(["plutil", "-lint", file], { stdout: "pipe", stderr: "pipe" });
      expect(p.exitCode).toBe(0);
      return;
    }
    const py = Bun.which("python3") ? Bun.spawnSync(["python3", "-c", "import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))", file], { stdout: "pipe", stderr: "pipe" }) : null;
    if (!py || py.exitCode !== 0 || !py.stdout.toString().trim().startsWith("{")) {
      console.warn("skipped: neither plutil nor a working python3 plistlib here (the strict parser above still ran)");
      return;
    }
    expect(JSON.parse(py.stdout.toString())).toMatchObject({ Label: LAUNCHD_LABEL, RunAtLoad: true, KeepAlive: { SuccessfulExit: false } });
  });
});

/** A scripted host: answers commands from a table and records what ran. */
function scriptedHost(opts: { platform?: NodeJS.Platform; env?: Record<string, string>; answers?: Record<string, CommandResult | null>; userns?: boolean }) {
  const home = join(temp(), "user");
  const ran: string[] = [];
  const host: ServiceHost = {
    platform: opts.platform ?? "linux",
    env: opts.env ?? {},
    home,
    run(cmd) {
      const key = cmd.join(" ");
      ran.push(key);
      const a = opts.answers?.[key];
      return a === undefined ? { code: 0, stdout: "", stderr: "" } : a;
    },
    userNamespaces: () => opts.userns ?? true,
  };
  return { host, ran, home };
}
const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
const SESSION = { XDG_RUNTIME_DIR: "/run/user/1000" };

describe("install / uninstall / status", () => {
  const paths = () => dataPaths(join(temp(), "data"));

  test("no systemd user session (container): writes the unit, runs nothing, says what to run", () => {
    const { host, ran, home } = scriptedHost({});
    const p = paths();
    const r = installService({ host, spec: spec({ logFile: join(p.logsDir, "daemon.log") }), paths: p });
    expect(r.file).toBe(join(home, ".config/systemd/user/opensentience.service"));
    expect(r).toMatchObject({ manager: "systemd", file_change: "created", activated: false, steps: [] });
    expect(r.manual).toEqual(["systemctl --user daemon-reload", "systemctl --user enable --now opensentience.service"]);
    expect(r.notes.join("\n")).toContain("XDG_RUNTIME_DIR is not set");
    expect(ran).toEqual([]);
    expect(readFileSync(r.file, "utf8")).toContain("ExecStart=/opt/opensentience/bin/opensentience serve");
    expect(statSync(p.logsDir).mode & 0o777).toBe(0o700);
  });

  test("XDG_CONFIG_HOME decides where the unit goes; a manager that cannot be reached is a note", () => {
    const cfg = join(temp(), "cfg");
    const { host } = scriptedHost({ env: { ...SESSION, XDG_CONFIG_HOME: cfg }, answers: { "systemctl --user show-environment": { code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found" } } });
    expect(serviceFile(host)).toBe(join(cfg, "systemd/user/opensentience.service"));
    const r = installService({ host, spec: spec(), paths: paths() });
    expect(r.activated).toBe(false);
    expect(r.notes[0]).toContain("Failed to connect to bus");
    expect(existsSync(r.file)).toBe(true);
  });

  test("with a user session: daemon-reload, enable --now; a changed unit restarts a running service", () => {
    const { host, ran } = scriptedHost({ env: SESSION });
    const p = paths();
    const first = installService({ host, spec: spec(), paths: p });
    expect(first).toMatchObject({ file_change: "created", activated: true, manual: [] });
    expect(ran).toEqual([
      "systemctl --user show-environment",
      "systemctl --user is-active opensentience.service",
      "systemctl --user daemon-reload",
      "systemctl --user enable --now opensentience.service",
    ]);
    ran.length = 0;
    const active = scriptedHost({ env: SESSION, answers: { "systemctl --user is-active opensentience.service": ok("active\n") } });
    active.host.home = host.home;
    const same = installService({ host: active.host, spec: spec(), paths: p });
    expect(same.file_change).toBe("unchanged");
    expect(active.ran).not.toContain("systemctl --user try-restart opensentience.service");
    const changed = installService({ host: active.host, spec: spec({ version: "0.2.0" }), paths: p });
    expect(changed.file_change).toBe("updated");
    expect(active.ran.at(-1)).toBe("systemctl --user try-restart opensentience.service");
  });

  test("a failing systemctl step is reported with the manual commands", () => {
    const { host } = scriptedHost({ env: SESSION, answers: { "systemctl --user enable --now opensentience.service": { code: 1, stdout: "", stderr: "Job failed\nmore" } } });
    const r = installService({ host, spec: spec(), paths: paths(), runningDaemonPid: 4242 });
    expect(r.activated).toBe(false);
    expect(r.steps.at(-1)).toEqual({ command: "systemctl --user enable --now opensentience.service", ok: false, output: "Job failed" });
    expect(r.manual).toHaveLength(2);
    expect(r.notes.join("\n")).toContain("pid 4242");
  });

  test("namespaces unavailable: the unit leaves out PrivateTmp/ProtectSystem and says so", () => {
    const { host } = scriptedHost({ userns: false });
    const r = installService({ host, spec: spec(), paths: paths() });
    expect(readFileSync(r.file, "utf8")).not.toMatch(/^PrivateTmp=/m);
    expect(r.notes.join("\n")).toContain("user namespaces are disabled");
  });

  test("a unit we did not write is never overwritten or removed without --force", () => {
    const { host } = scriptedHost({ env: SESSION });
    const file = serviceFile(host);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "[Service]\nExecStart=/usr/bin/mine\n");
    expect(() => installService({ host, spec: spec(), paths: paths() })).toThrow("not written by opensentience");
    expect(() => uninstallService({ host })).toThrow("not written by opensentience");
    expect(readFileSync(file, "utf8")).toContain("/usr/bin/mine");
    expect(installService({ host, spec: spec(), paths: paths(), force: true }).file_change).toBe("updated");
  });

  test("uninstall: disable --now, remove, daemon-reload; nothing installed is fine", () => {
    const { host, ran } = scriptedHost({ env: SESSION });
    expect(uninstallService({ host })).toMatchObject({ removed: false, notes: ["not installed (no service file)"] });
    installService({ host, spec: spec(), paths: paths() });
    ran.length = 0;
    const r = uninstallService({ host });
    expect(r.removed).toBe(true);
    expect(existsSync(r.file)).toBe(false);
    expect(ran).toEqual(["systemctl --user show-environment", "systemctl --user disable --now opensentience.service", "systemctl --user daemon-reload"]);
  });

  test("status reports the manager's answers and the running daemon", () => {
    const { host } = scriptedHost({
      env: SESSION,
      answers: { "systemctl --user is-enabled opensentience.service": ok("enabled\n"), "systemctl --user is-active opensentience.service": ok("active\n") },
    });
    const daemon = { pid: 77, url: "http://127.0.0.1:6767" };
    expect(serviceStatus({ host, spec: spec(), daemon })).toMatchObject({ installed: false, manager_reachable: true, enabled: "enabled", active: "active", daemon });
    const none = scriptedHost({});
    expect(serviceStatus({ host: none.host, spec: spec(), daemon: null })).toMatchObject({ manager_reachable: false, enabled: null, active: null });
  });

  test("macOS: plist in ~/Library/LaunchAgents, launchctl load -w; reinstall unloads first", () => {
    const { host, ran, home } = scriptedHost({ platform: "darwin", answers: { [`launchctl list ${LAUNCHD_LABEL}`]: ok('{\n\t"PID" = 501;\n};') } });
    const r = installService({ host, spec: spec(), paths: paths() });
    expect(r.file).toBe(join(home, "Library/LaunchAgents/io.opensentience.daemon.plist"));
    expect(r.activated).toBe(true);
    expect(ran).toEqual(["launchctl version", `launchctl load -w ${r.file}`]);
    installService({ host, spec: spec({ version: "2" }), paths: paths() });
    expect(ran.slice(-2)).toEqual([`launchctl unload ${r.file}`, `launchctl load -w ${r.file}`]);
    expect(serviceStatus({ host, spec: spec(), daemon: null })).toMatchObject({ installed: true, enabled: "loaded", active: "running" });
    expect(uninstallService({ host }).removed).toBe(true);
    expect(ran.at(-1)).toBe(`launchctl unload -w ${r.file}`);
  });

  test("macOS without launchctl: written, with the command to run", () => {
    const { host } = scriptedHost({ platform: "darwin", answers: { "launchctl version": null } });
    const r = installService({ host, spec: spec(), paths: paths() });
    expect(r.activated).toBe(false);
    expect(r.manual).toEqual([`launchctl load -w ${r.file}`]);
  });

  test("other platforms are refused with a clear message", () => {
    const { host } = scriptedHost({ platform: "win32" });
    expect(() => installService({ host, spec: spec(), paths: paths() })).toThrow("supports Linux (systemd) and macOS (launchd)");
  });

  test("user namespace switches", () => {
    const sysctl = (m: Record<string, string>) => (p: string) => m[p] ?? null;
    expect(userNamespacesAllowed(sysctl({}))).toBe(true);
    expect(userNamespacesAllowed(sysctl({ "/proc/sys/kernel/unprivileged_userns_clone": "1" }))).toBe(true);
    expect(userNamespacesAllowed(sysctl({ "/proc/sys/kernel/unprivileged_userns_clone": "0" }))).toBe(false);
    expect(userNamespacesAllowed(sysctl({ "/proc/sys/user/max_user_namespaces": "0" }))).toBe(false);
    expect(userNamespacesAllowed(sysctl({ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1" }))).toBe(false);
  });
});
