/**
 * `opensentience service install|uninstall|status`: writes the service
 * definition (systemd user unit on Linux, launchd agent on macOS) and asks the
 * service manager to load it when one is reachable. Where none is (a container,
 * `su` without a login session, CI), the file is still written and the report
 * says exactly which command to run later: that is a note, not a failure.
 *
 * Every side effect outside the file system goes through `ServiceHost`, so the
 * logic is tested with a scripted host.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";
import { GENERATED_PLIST_MARKER, LAUNCHD_LABEL, launchdPlist } from "./launchd.ts";
import type { ServiceSpec } from "./spec.ts";
import { GENERATED_MARKER, SYSTEMD_UNIT_NAME, systemdUnit } from "./systemd.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ServiceHost {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The user's home directory. */
  home: string;
  /** Runs a program to completion; null when the program is not installed. */
  run(cmd: string[]): CommandResult | null;
  /** Whether unprivileged user namespaces work (systemd needs them for PrivateTmp= in user units). */
  userNamespaces(): boolean;
}

export type ManagerKind = "systemd" | "launchd";

export interface Step {
  command: string;
  ok: boolean;
  output: string;
}

export interface InstallReport {
  manager: ManagerKind;
  file: string;
  /** What happened to the file. */
  file_change: "created" | "updated" | "unchanged";
  /** True when the service manager accepted and started the service. */
  activated: boolean;
  /** Commands run, in order, with their outcome. */
  steps: Step[];
  /** Commands the user should run themselves (when the manager was not reachable, or a step failed). */
  manual: string[];
  notes: string[];
  log_file: string;
}

export interface UninstallReport {
  manager: ManagerKind;
  file: string;
  removed: boolean;
  steps: Step[];
  manual: string[];
  notes: string[];
}

export interface StatusReport {
  manager: ManagerKind;
  file: string;
  installed: boolean;
  /** Whether the service manager could be asked. */
  manager_reachable: boolean;
  /** systemd: `is-enabled` answer; launchd: "loaded" / "not loaded". Null when unknown. */
  enabled: string | null;
  /** systemd: `is-active` answer; launchd: "running" / "not running". Null when unknown. */
  active: string | null;
  /** The daemon.json of a running daemon (managed by the service or not). */
  daemon: { pid: number; url: string } | null;
  log_file: string;
  notes: string[];
}

export function managerFor(platform: NodeJS.Platform): ManagerKind {
  if (platform === "linux") return "systemd";
  if (platform === "darwin") return "launchd";
  throw new AppError("usage", `opensentience service supports Linux (systemd) and macOS (launchd), not ${platform}; run \`opensentience serve\` under your own process manager`);
}

/** Where the service definition lives for this user. */
export function serviceFile(host: Pick<ServiceHost, "platform" | "env" | "home">): string {
  if (managerFor(host.platform) === "systemd") {
    const config = host.env.XDG_CONFIG_HOME?.startsWith("/") ? host.env.XDG_CONFIG_HOME : join(host.home, ".config");
    return join(config, "systemd", "user", SYSTEMD_UNIT_NAME);
  }
  return join(host.home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
}

export function serviceContent(kind: ManagerKind, spec: ServiceSpec, host: Pick<ServiceHost, "userNamespaces">): string {
  return kind === "systemd" ? systemdUnit(spec, { namespaces: host.userNamespaces() }) : launchdPlist(spec);
}

const isOurs = (text: string) => text.includes(GENERATED_MARKER) || text.includes(GENERATED_PLIST_MARKER);

const SYSTEMCTL = ["systemctl", "--user"];
const shellJoin = (cmd: string[]) => cmd.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");

/**
 * Why systemd's user manager cannot be used here, or null when it can. Checks
 * the environment first (without XDG_RUNTIME_DIR or a session bus, systemctl
 * --user has nothing to talk to), then asks systemctl itself.
 */
export function systemdUnavailable(host: ServiceHost): string | null {
  if (!host.env.XDG_RUNTIME_DIR && !host.env.DBUS_SESSION_BUS_ADDRESS) {
    return "no systemd user session (XDG_RUNTIME_DIR is not set: a container, `su`/`sudo` without a login, or CI)";
  }
  const r = host.run([...SYSTEMCTL, "show-environment"]);
  if (r === null) return "systemctl is not installed (systemd is not the init system here)";
  if (r.code !== 0) return `systemctl --user cannot reach a user manager: ${firstLine(r.stderr || r.stdout) || `exit ${r.code}`}`;
  return null;
}

function launchdUnavailable(host: ServiceHost): string | null {
  const r = host.run(["launchctl", "version"]);
  return r === null ? "launchctl is not available" : null;
}

function firstLine(s: string): string {
  return s.trim().split("\n")[0]?.trim() ?? "";
}

function step(host: ServiceHost, steps: Step[], cmd: string[]): boolean {
  const r = host.run(cmd);
  const ok = r !== null && r.code === 0;
  steps.push({ command: shellJoin(cmd), ok, output: r === null ? "not installed" : firstLine(r.stderr || r.stdout) });
  return ok;
}

/** Writes `text` to `file` through a temp file and rename (0644: service managers read it). */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new AppError("io", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

export interface InstallOptions {
  host: ServiceHost;
  spec: ServiceSpec;
  paths: DataPaths;
  /** Overwrite a file at the service path that we did not write. */
  force?: boolean;
  /** pid of a daemon already running outside the service, if any (from daemon.json). */
  runningDaemonPid?: number | null;
}

export function installService(opts: InstallOptions): InstallReport {
  const { host, spec } = opts;
  const kind = managerFor(host.platform);
  const file = serviceFile(host);
  const text = serviceContent(kind, spec, host);
  const existing = readIfExists(file);
  if (existing !== null && !isOurs(existing) && !opts.force) {
    throw new AppError("conflict", `${file} exists and was not written by opensentience; move it away or pass --force to replace it`);
  }
  // The log file's directory must exist before the manager opens it for the daemon.
  mkdirSync(opts.paths.logsDir, { recursive: true, mode: 0o700 });
  const file_change = existing === null ? "created" : existing === text ? "unchanged" : "updated";
  if (file_change !== "unchanged") writeAtomically(file, text);

  const report: InstallReport = { manager: kind, file, file_change, activated: false, steps: [], manual: [], notes: [], log_file: spec.logFile };
  if (kind === "systemd") {
    const manual = [`${SYSTEMCTL.join(" ")} daemon-reload`, `${SYSTEMCTL.join(" ")} enable --now ${SYSTEMD_UNIT_NAME}`];
    if (!host.userNamespaces()) report.notes.push("unprivileged user namespaces are disabled here, so PrivateTmp= and ProtectSystem= were left out of the unit");
    const why = systemdUnavailable(host);
    if (why) {
      report.notes.push(`${why}; the unit file was written but not loaded`);
      report.manual = manual;
      report.notes.push("alternatively run `opensentience serve` under your own supervisor (in a container: as the main process)");
      return report;
    }
    const wasActive = host.run([...SYSTEMCTL, "is-active", SYSTEMD_UNIT_NAME])?.stdout.trim() === "active";
    if (opts.runningDaemonPid && !wasActive) {
      report.notes.push(`a daemon is already running outside the service (pid ${opts.runningDaemonPid}); stop it, or the service will fail to take the lock`);
    }
    const ok =
      step(host, report.steps, [...SYSTEMCTL, "daemon-reload"]) &&
      step(host, report.steps, [...SYSTEMCTL, "enable", "--now", SYSTEMD_UNIT_NAME]) &&
      (file_change === "unchanged" || !wasActive || step(host, report.steps, [...SYSTEMCTL, "try-restart", SYSTEMD_UNIT_NAME]));
    report.activated = ok;
    if (!ok) report.manual = manual;
    report.notes.push(`status: systemctl --user status ${SYSTEMD_UNIT_NAME}; log: ${spec.logFile}`);
    report.notes.push("to keep it running after you log out: loginctl enable-linger");
    return report;
  }

  const manual = [`launchctl load -w ${shellJoin([file])}`];
  const why = launchdUnavailable(host);
  if (why) {
    report.notes.push(`${why}; the plist was written but not loaded`);
    report.manual = manual;
    return report;
  }
  // Reloading picks up a changed plist; unloading one that is not loaded just fails quietly.
  if (file_change !== "created") host.run(["launchctl", "unload", file]);
  report.activated = step(host, report.steps, ["launchctl", "load", "-w", file]);
  if (!report.activated) report.manual = manual;
  report.notes.push(`status: launchctl list ${LAUNCHD_LABEL}; log: ${spec.logFile}`);
  return report;
}

export function uninstallService(opts: { host: ServiceHost; force?: boolean }): UninstallReport {
  const { host } = opts;
  const kind = managerFor(host.platform);
  const file = serviceFile(host);
  const report: UninstallReport = { manager: kind, file, removed: false, steps: [], manual: [], notes: [] };
  const existing = readIfExists(file);
  if (existing === null) {
    report.notes.push("not installed (no service file)");
    return report;
  }
  if (!isOurs(existing) && !opts.force) {
    throw new AppError("conflict", `${file} was not written by opensentience; remove it yourself or pass --force`);
  }
  if (kind === "systemd") {
    const why = systemdUnavailable(host);
    if (why) {
      report.notes.push(`${why}; if the service is running in another session, stop it there first`);
      report.manual = [`${SYSTEMCTL.join(" ")} disable --now ${SYSTEMD_UNIT_NAME}`];
    } else if (!step(host, report.steps, [...SYSTEMCTL, "disable", "--now", SYSTEMD_UNIT_NAME])) {
      report.manual = [`${SYSTEMCTL.join(" ")} disable --now ${SYSTEMD_UNIT_NAME}`];
    }
    rmSync(file, { force: true });
    if (!why) step(host, report.steps, [...SYSTEMCTL, "daemon-reload"]);
  } else {
    if (!launchdUnavailable(host)) step(host, report.steps, ["launchctl", "unload", "-w", file]);
    rmSync(file, { force: true });
  }
  report.removed = !existsSync(file);
  return report;
}

export function serviceStatus(opts: { host: ServiceHost; spec: Pick<ServiceSpec, "logFile">; daemon: { pid: number; url: string } | null }): StatusReport {
  const { host } = opts;
  const kind = managerFor(host.platform);
  const file = serviceFile(host);
  const report: StatusReport = {
    manager: kind,
    file,
    installed: existsSync(file),
    manager_reachable: false,
    enabled: null,
    active: null,
    daemon: opts.daemon,
    log_file: opts.spec.logFile,
    notes: [],
  };
  if (kind === "systemd") {
    const why = systemdUnavailable(host);
    if (why) {
      report.notes.push(why);
      return report;
    }
    report.manager_reachable = true;
    report.enabled = host.run([...SYSTEMCTL, "is-enabled", SYSTEMD_UNIT_NAME])?.stdout.trim() || "unknown";
    report.active = host.run([...SYSTEMCTL, "is-active", SYSTEMD_UNIT_NAME])?.stdout.trim() || "unknown";
    return report;
  }
  const why = launchdUnavailable(host);
  if (why) {
    report.notes.push(why);
    return report;
  }
  report.manager_reachable = true;
  const r = host.run(["launchctl", "list", LAUNCHD_LABEL]);
  report.enabled = r?.code === 0 ? "loaded" : "not loaded";
  report.active = r?.code === 0 && /"PID"\s*=\s*\d+/.test(r.stdout) ? "running" : "not running";
  return report;
}

/** The real machine. */
export function realServiceHost(env: Record<string, string | undefined> = process.env): ServiceHost {
  return {
    platform: process.platform,
    env,
    home: env.HOME?.startsWith("/") ? env.HOME : homedir(),
    run(cmd) {
      if (!Bun.which(cmd[0]!, { PATH: env.PATH ?? "" })) return null;
      const p = Bun.spawnSync(cmd, { env: env as Record<string, string>, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
      return { code: p.exitCode ?? 1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
    },
    userNamespaces: () => userNamespacesAllowed(readSysctl),
  };
}

function readSysctl(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** Reads the kernel switches that disable unprivileged user namespaces (Debian, generic, Ubuntu AppArmor). */
export function userNamespacesAllowed(read: (path: string) => string | null): boolean {
  if (read("/proc/sys/kernel/unprivileged_userns_clone") === "0") return false;
  if (read("/proc/sys/user/max_user_namespaces") === "0") return false;
  if (read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") === "1") return false;
  return true;
}
