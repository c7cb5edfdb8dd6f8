/**
 * The individual `doctor` checks. Each returns ok / warn / fail with a message
 * and, unless ok, how to fix it. Programs, the port probe, daemon.json and the
 * disk are reached through `DoctorDeps`, so every check runs in a unit test
 * against a scripted machine; file modes are checked on real (temp) files.
 */
import { existsSync, lstatSync, type Stats, statSync } from "node:fs";
import { dirname } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { decideLimits, type LimitSupport, type ResourceLimits } from "../sandbox/limits.ts";
import type { SandboxSupport } from "../sandbox/probe.ts";
import { compareVersions, formatVersion, gitHasSecurityFixes, parseElixirVersion, parseGitVersion } from "./versions.ts";
import { ignoredPathEntries } from "../absolute-path.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  /** How to fix it (absent when ok). */
  fix?: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type PortProbe = { state: "free" } | { state: "in_use" } | { state: "error"; message: string };

export interface DoctorDeps {
  env: Record<string, string | undefined>;
  /** Our uid; null where the platform has none. */
  uid: number | null;
  /** Runs a program to completion; null when it is not installed. */
  run(cmd: string[]): Promise<CommandResult | null>;
  /** Whether a program is on PATH. */
  which(name: string): string | null;
  /** Tries to bind host:port and releases it at once. */
  probePort(host: string, port: number): Promise<PortProbe>;
  /** The running daemon's daemon.json (null when none is running). */
  readDaemon(path: string): { pid: number; url: string } | null;
  /** Free and total bytes of the file system holding `path`. */
  diskSpace(path: string): { free: number; total: number } | null;
  /** What the sandbox can use here (probe.ts: bwrap, Landlock, sandbox-exec). */
  sandbox(): SandboxSupport;
  /** Which resource limits can be enforced here (limits.ts). */
  limits(): LimitSupport;
}

const result = (id: string, title: string, status: CheckStatus, message: string, fix?: string): CheckResult =>
  fix && status !== "ok" ? { id, title, status, message, fix } : { id, title, status, message };

const MIN_ELIXIR: [number, number, number] = [1, 14, 0];
const MIN_OTP = 24;
/** sockaddr_un holds 104 (macOS) to 108 (Linux) bytes including the NUL; 100 leaves room on both. */
export const MAX_SOCKET_PATH_BYTES = 100;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export async function checkGit(deps: DoctorDeps): Promise<CheckResult> {
  const t = "git";
  const r = await deps.run(["git", "--version"]);
  if (r === null) return result("git", t, "fail", "git is not installed; installing agents needs it", "install git 2.45.1 or later (Debian/Ubuntu: apt-get install git; macOS: brew install git)");
  const v = parseGitVersion(r.stdout);
  if (r.code !== 0 || !v) return result("git", t, "fail", `git --version failed: ${(r.stderr || r.stdout).trim().slice(0, 200)}`, "reinstall git");
  if (gitHasSecurityFixes(v)) return result("git", t, "ok", `git ${formatVersion(v)} (has the 2024 security fixes)`);
  return result(
    "git",
    t,
    "warn",
    `git ${formatVersion(v)} predates the May 2024 security fixes (CVE-2024-32002 and others); opensentience never recurses into submodules or runs hooks, which blunts them, but upgrade anyway`,
    "upgrade to git 2.45.1+ (or 2.39.4+, 2.40.2+, 2.41.1+, 2.42.2+, 2.43.4+, 2.44.1+); if your distribution backported the fixes into this version, ignore this",
  );
}

/**
 * PATH entries that are not absolute (`.`, `bin`, an empty one) are ignored for every program opensentience starts
 * (absolute-path.ts): said only when there are some, since a tool found only through them is then not found.
 */
export function checkPathEntries(env: Record<string, string | undefined>): CheckResult[] {
  const relative = ignoredPathEntries(env.PATH);
  if (relative.length === 0) return [];
  const shown = relative.map((p) => (p === "" ? "(empty)" : `'${p}'`)).join(", ");
  return [
    result(
      "path",
      "PATH",
      "warn",
      `PATH has entries that are not absolute (${shown}); opensentience ignores them for the programs it starts (git, mix, the Erlang/Elixir toolchain), because they would resolve inside registries' and agents' checkouts`,
      "put the tools you need in an absolute PATH directory; relative entries are fine to drop",
    ),
  ];
}

/** ssh-keygen verifies signed registries (git verify-commit with gpg.format=ssh); without it they refuse every sync. */
export function checkSshKeygen(deps: Pick<DoctorDeps, "which">): CheckResult {
  const at = deps.which("ssh-keygen");
  if (at) return result("ssh_keygen", "ssh-keygen", "ok", `ssh-keygen at ${at} (verifies signed registries)`);
  return result(
    "ssh_keygen",
    "ssh-keygen",
    "warn",
    "ssh-keygen is not on PATH: registries added with --require-signed refuse every sync (their signatures cannot be verified)",
    "install OpenSSH's client tools (Debian/Ubuntu: apt-get install openssh-client; macOS ships them)",
  );
}

/** elixir, mix and the OTP release, from one `elixir --version` (starting a VM costs ~0.3 s). */
export async function checkElixir(deps: DoctorDeps): Promise<CheckResult[]> {
  const install = "install Elixir 1.14+ (Debian/Ubuntu: apt-get install elixir; macOS: brew install elixir; or asdf)";
  const r = await deps.run(["elixir", "--version"]);
  const mix = deps.which("mix")
    ? result("mix", "mix", "ok", `mix at ${deps.which("mix")}`)
    : result("mix", "mix", "fail", "mix is not on PATH; agents are built and run with mix", install);
  if (r === null) {
    return [result("elixir", "elixir", "fail", "elixir is not installed; agents cannot be built or run", install), mix, result("otp", "erlang/OTP", "fail", "Erlang/OTP not found (it comes with Elixir)", install)];
  }
  const v = parseElixirVersion(r.stdout);
  let elixir: CheckResult;
  if (r.code !== 0 || !v.elixir) elixir = result("elixir", "elixir", "fail", `elixir --version failed: ${(r.stderr || r.stdout).trim().slice(0, 200)}`, install);
  else if (compareVersions(v.elixir, MIN_ELIXIR) < 0) elixir = result("elixir", "elixir", "fail", `Elixir ${formatVersion(v.elixir)} is older than 1.14, which the agent SDK needs`, install);
  else elixir = result("elixir", "elixir", "ok", `Elixir ${formatVersion(v.elixir)}`);
  let otp: CheckResult;
  if (v.otp === null) otp = result("otp", "erlang/OTP", "warn", "could not tell the Erlang/OTP release from `elixir --version`", "check your Erlang installation: erl -version");
  else if (v.otp < MIN_OTP) otp = result("otp", "erlang/OTP", "warn", `Erlang/OTP ${v.otp} is older than ${MIN_OTP}; agents are tested on OTP 25`, "upgrade Erlang/OTP (it usually comes with your Elixir package)");
  else otp = result("otp", "erlang/OTP", "ok", `Erlang/OTP ${v.otp}`);
  return [elixir, mix, otp];
}

function modeString(st: Stats): string {
  return (Number(st.mode) & 0o777).toString(8).padStart(4, "0");
}

/** The data directory: ours, private (0700). Mirrors what `ensureDataDir` enforces at start. */
export function checkDataDir(paths: DataPaths, deps: Pick<DoctorDeps, "uid">): CheckResult {
  const t = "data dir";
  const home = paths.home;
  if (!existsSync(home)) return result("data_dir", t, "ok", `${home} does not exist yet; it is created with mode 0700 on first use`);
  const st = statSync(home);
  if (!st.isDirectory()) return result("data_dir", t, "fail", `${home} is not a directory`, `move it away, or set OPENSENTIENCE_HOME to another directory`);
  if (deps.uid !== null && st.uid !== deps.uid) {
    return result("data_dir", t, "fail", `${home} is owned by uid ${st.uid}, not you (uid ${deps.uid}); the daemon refuses it`, `chown -R ${deps.uid} ${home}   (or set OPENSENTIENCE_HOME to a directory of yours)`);
  }
  const mode = Number(st.mode) & 0o777;
  if ((mode & 0o022) !== 0) return result("data_dir", t, "fail", `${home} has mode ${modeString(st)}: other users can write to it; the daemon refuses it`, `chmod 700 ${home}`);
  if ((mode & 0o077) !== 0) return result("data_dir", t, "warn", `${home} has mode ${modeString(st)}: other users can read it (the daemon tightens it to 0700 on start)`, `chmod 700 ${home}`);
  const link = lstatSync(home).isSymbolicLink() ? " (through a symlink)" : "";
  return result("data_dir", t, "ok", `${home}${link}: mode 0700, owned by you`);
}

/** The agent socket's directory and path length (Unix socket paths are short). */
export function checkSocket(paths: DataPaths, deps: Pick<DoctorDeps, "uid">): CheckResult[] {
  const out: CheckResult[] = [];
  const dir = paths.runDir;
  if (!existsSync(dir)) out.push(result("socket_dir", "socket dir", "ok", `${dir} does not exist yet; serve creates it with mode 0700`));
  else {
    const st = lstatSync(dir);
    if (st.isSymbolicLink() || !st.isDirectory()) out.push(result("socket_dir", "socket dir", "fail", `${dir} is not a plain directory`, `rm ${dir}   (serve recreates it)`));
    else if (deps.uid !== null && st.uid !== deps.uid) out.push(result("socket_dir", "socket dir", "fail", `${dir} is owned by uid ${st.uid}, not you`, `rm -r ${dir}   (serve recreates it)`));
    else if ((Number(st.mode) & 0o077) !== 0) out.push(result("socket_dir", "socket dir", "warn", `${dir} has mode ${modeString(st)}; other users could reach the agent socket`, `chmod 700 ${dir}`));
    else out.push(result("socket_dir", "socket dir", "ok", `${dir}: mode ${modeString(st)}`));
  }
  const bytes = Buffer.byteLength(paths.agentSocket);
  out.push(
    bytes < MAX_SOCKET_PATH_BYTES
      ? result("socket_path", "socket path", "ok", `${paths.agentSocket} (${bytes} bytes, limit ${MAX_SOCKET_PATH_BYTES})`)
      : result("socket_path", "socket path", "fail", `${paths.agentSocket} is ${bytes} bytes; Unix socket paths must stay under ${MAX_SOCKET_PATH_BYTES}, so agents could not connect`, "set OPENSENTIENCE_HOME to a shorter path, e.g. ~/.opensentience"),
  );
  return out;
}

/** The local API socket (daemon/local-api-socket.ts): absent, or a 0600 socket of ours; anything else keeps the CLI on TCP + token. */
export function checkLocalApiSocket(paths: DataPaths, deps: Pick<DoctorDeps, "uid">): CheckResult {
  const t = "local API socket";
  const path = paths.localApiSocket;
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return result("api_socket", t, "ok", `${path} does not exist (serve creates it; the CLI then needs no token file)`);
  }
  if (!st.isSocket()) return result("api_socket", t, "fail", `${path} is not a socket, so the daemon cannot listen there and the CLI falls back to TCP and the token file`, `rm ${path}   (then restart the daemon)`);
  if (deps.uid !== null && st.uid !== deps.uid) return result("api_socket", t, "fail", `${path} is owned by uid ${st.uid}, not you`, `rm ${path}   (then restart the daemon)`);
  if ((Number(st.mode) & 0o177) !== 0) return result("api_socket", t, "warn", `${path} has mode ${modeString(st)}; the daemon makes it 0600`, `chmod 600 ${path}`);
  return result("api_socket", t, "ok", `${path}: mode 0600`);
}

/** The listening port: free, or held by our own daemon. */
export async function checkPort(host: string, port: number, paths: DataPaths, deps: DoctorDeps): Promise<CheckResult> {
  const t = "port";
  if (port === 0) return result("port", t, "ok", "port 0: the daemon picks a free port at start");
  const daemon = deps.readDaemon(paths.daemonFile);
  const ours = daemon !== null && portOf(daemon.url) === port;
  const probe = await deps.probePort(host, port);
  if (probe.state === "free") return result("port", t, "ok", `${host}:${port} is free${daemon ? ` (the daemon, pid ${daemon.pid}, listens on ${daemon.url})` : ""}`);
  if (probe.state === "in_use" && ours) return result("port", t, "ok", `${host}:${port} is held by the running daemon (pid ${daemon!.pid})`);
  const fix = `stop the program using it, or choose another port: "port" in ${paths.config} or OPENSENTIENCE_PORT`;
  if (probe.state === "in_use") return result("port", t, "fail", `${host}:${port} is in use by another program; serve would fail to start`, fix);
  return result("port", t, "fail", `cannot listen on ${host}:${port}: ${probe.message}`, `check "host" and "port" in ${paths.config}`);
}

function portOf(url: string): number | null {
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  } catch {
    return null;
  }
}

/** The admin token file, if present: a regular file of ours, mode 0600 (serve refuses anything else). */
export function checkAdminToken(paths: DataPaths, deps: Pick<DoctorDeps, "uid" | "env">): CheckResult {
  const t = "admin token";
  const file = paths.adminToken;
  const fromEnv = deps.env.OPENSENTIENCE_ADMIN_TOKEN ? " (OPENSENTIENCE_ADMIN_TOKEN is set and takes precedence)" : "";
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch {
    return result("admin_token", t, "ok", `no ${file} yet; serve creates it with mode 0600${fromEnv}`);
  }
  if (st.isSymbolicLink()) return result("admin_token", t, "fail", `${file} is a symlink; serve refuses it`, `rm ${file}   (a new token is created on the next serve)`);
  if (!st.isFile()) return result("admin_token", t, "fail", `${file} is not a regular file`, `rm -r ${file}`);
  if (deps.uid !== null && st.uid !== deps.uid) return result("admin_token", t, "fail", `${file} is owned by uid ${st.uid}, not you`, `rm ${file}   (a new token is created on the next serve)`);
  if ((Number(st.mode) & 0o077) !== 0) return result("admin_token", t, "fail", `${file} has mode ${modeString(st)}: other users can read the admin token; serve refuses it`, `chmod 600 ${file}   (or delete it: serve creates a new token)`);
  return result("admin_token", t, "ok", `${file}: mode ${modeString(st)}${fromEnv}`);
}

/** Free space where the data dir lives (or would live). */
/**
 * Free space on the data directory's file system, against `retention.min_free_disk_mb` (default 1 GiB) and
 * the catalog's own size (it needs room to grow, and retention only bounds it): warns before the disk fills.
 */
export function checkDisk(paths: DataPaths, deps: Pick<DoctorDeps, "diskSpace">, minFreeMb = 1024): CheckResult {
  const t = "disk space";
  let p = paths.home;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const s = deps.diskSpace(p);
  if (!s) return result("disk", t, "warn", `could not read free space for ${p}`, "check with: df -h");
  const size = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.round(n / MiB)} MiB`);
  const free = size(s.free);
  const catalog = catalogBytes(paths);
  const held = catalog > 0 ? `; the catalog takes ${size(catalog)}` : "";
  const fix = `free space on the file system of ${p}, lower the retention.* bounds in ${paths.config} (opensentience config show), or set OPENSENTIENCE_HOME to another disk`;
  if (s.free < 100 * MiB) return result("disk", t, "fail", `${free} free for ${paths.home}${held}; agent builds and the catalog need room`, fix);
  if (s.free < minFreeMb * MiB) return result("disk", t, "warn", `${free} free for ${paths.home}${held}, below retention.min_free_disk_mb (${minFreeMb} MiB); the disk may fill`, fix);
  if (s.free < catalog) return result("disk", t, "warn", `${free} free for ${paths.home}, less than the catalog itself (${size(catalog)})`, fix);
  return result("disk", t, "ok", `${free} free for ${paths.home}${held}`);
}

/**
 * Scan roots that are not directories: discovery skips them silently on every rescan, so a typo in
 * `scan_roots` (or the default ~/Projects on a machine without one) would otherwise go unnoticed.
 * The data directory's own agents/ folder is created on first install and is not reported.
 */
export function checkScanRoots(roots: string[], paths: DataPaths): CheckResult {
  const t = "scan roots";
  const missing = roots.filter((r) => r !== paths.agentsDir && !isDir(r));
  if (!roots.length) return result("scan_roots", t, "ok", "no scan roots (local discovery is off)");
  if (!missing.length) return result("scan_roots", t, "ok", roots.join(", "));
  return result(
    "scan_roots",
    t,
    "warn",
    `${missing.length === 1 ? "scan root" : "scan roots"} ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not a directory; local discovery skips ${missing.length === 1 ? "it" : "them"}`,
    `create ${missing.length === 1 ? "it" : "them"}, or set scan_roots in ${paths.config} (or OPENSENTIENCE_SCAN_ROOTS) to the folders holding your agents`,
  );
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The catalog with its WAL (what SQLite holds on disk); 0 when there is none yet. */
function catalogBytes(paths: DataPaths): number {
  let n = 0;
  for (const f of [paths.db, `${paths.db}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // not created yet
    }
  }
  return n;
}

/** bubblewrap (Linux) or sandbox-exec (macOS): present, and able to build a sandbox here. */
export function checkSandboxTool(support: SandboxSupport, platform: NodeJS.Platform = process.platform): CheckResult {
  const t = "sandbox tool";
  if (platform === "darwin") {
    return support.sandboxExec
      ? result("sandbox_tool", t, "ok", `sandbox-exec at ${support.sandboxExec} (the macOS profile is untested on real macOS)`)
      : result("sandbox_tool", t, "warn", "sandbox-exec is missing; agents cannot be sandboxed", "sandbox-exec ships with macOS (/usr/bin/sandbox-exec); reinstall the command line tools");
  }
  if (platform !== "linux") return result("sandbox_tool", t, "warn", `no sandbox on ${platform}: agents run with your user's full access`, "run opensentience on Linux (bubblewrap) for a sandbox");
  if (support.available) return result("sandbox_tool", t, "ok", `bubblewrap ${support.bwrapVersion ?? "(version unknown)"} at ${support.bwrap}: user, pid and network namespaces work`);
  if (!support.bwrap) return result("sandbox_tool", t, "warn", "bubblewrap (bwrap) is not installed: agents and builds cannot be sandboxed", "apt-get install bubblewrap   (Fedora: dnf install bubblewrap; Arch: pacman -S bubblewrap)");
  if (support.toolchain === null && /erl\/elixir\/mix/.test(support.reason ?? "")) {
    return result("sandbox_tool", t, "warn", `bubblewrap ${support.bwrapVersion ?? ""} works, but ${support.reason}`, "install Elixir (apt-get install elixir) so the sandbox can show its toolchain to agents");
  }
  return result(
    "sandbox_tool",
    t,
    "warn",
    `bubblewrap ${support.bwrapVersion ?? ""} is installed but ${support.reason ?? "does not work here"}`,
    "allow unprivileged user namespaces (Debian: sysctl kernel.unprivileged_userns_clone=1; Ubuntu 24.04+: sysctl kernel.apparmor_restrict_unprivileged_userns=0), or in a container run with a seccomp profile that allows unshare/clone",
  );
}

/** Landlock: what keeps an agent without process:spawn from running programs it writes itself. */
export function checkLandlock(support: SandboxSupport, platform: NodeJS.Platform = process.platform): CheckResult {
  const t = "landlock";
  if (platform !== "linux") return result("landlock", t, "ok", `not used on ${platform}`);
  if (support.landlockAbi > 0) return result("landlock", t, "ok", `Landlock ABI ${support.landlockAbi}: agents without process:spawn can execute only the Erlang runtime`);
  return result(
    "landlock",
    t,
    "warn",
    "this kernel offers no Landlock: without process:spawn an agent sees no system programs, but could still run one it writes itself",
    "use Linux 5.13 or later with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y, and landlock in the lsm= boot parameter)",
  );
}

/** Which per-agent resource limits this machine can enforce for the daemon, and how. */
export function checkResourceLimits(support: LimitSupport, caps: ResourceLimits, platform: NodeJS.Platform = process.platform): CheckResult {
  const t = "resource limits";
  const v = decideLimits(caps, support);
  const e = v.enforced;
  const summary = `memory ${caps.memoryMb} MB: ${e.memory ?? "not enforced"}; cpu ${caps.cpuPercent}%: ${e.cpu ?? "not enforced"}; processes ${caps.maxProcesses}: ${e.processes ?? "not enforced"}; open files: ${e.openFiles ?? "not enforced"}; core dumps off: ${e.coreDumps ?? "not enforced"}`;
  if (e.memory && e.cpu && e.processes && e.openFiles) return result("limits", t, "ok", summary);
  const fix =
    platform !== "linux"
      ? "resource limits are enforced on Linux only"
      : "give the daemon a cgroup it may manage: run it as a systemd service with Delegate=memory pids cpu (cgroup v2), or as root where cgroup v1 controllers are writable; install util-linux for prlimit";
  return result("limits", t, "warn", `${summary}${v.notes.length ? ` — ${v.notes.join("; ")}` : ""}`, fix);
}

/** The effective `sandbox` policy and what it means on this machine. */
export function checkSandboxPolicy(policy: "required" | "auto" | "off", source: string, support: SandboxSupport): CheckResult {
  const t = "sandbox policy";
  const from = source === "env" ? "OPENSENTIENCE_SANDBOX" : source === "file" ? "config.json" : "default";
  const works = support.available;
  if (policy === "off") return result("sandbox_policy", t, "warn", `sandbox: off (${from}): agents and their builds run with your user's full access`, `set "sandbox": "auto" (or "required") in config.json, or unset OPENSENTIENCE_SANDBOX`);
  if (works) return result("sandbox_policy", t, "ok", `sandbox: ${policy} (${from}): agents and their builds run sandboxed`);
  if (policy === "required") return result("sandbox_policy", t, "fail", `sandbox: required (${from}), but ${support.reason ?? "the sandbox is not available"}: no agent will start or build`, "fix the sandbox tool above, or set \"sandbox\": \"auto\" to run agents unsandboxed (with a warning)");
  return result("sandbox_policy", t, "warn", `sandbox: auto (${from}), but ${support.reason ?? "the sandbox is not available"}: agents and builds run UNSANDBOXED`, "fix the sandbox tool above; set \"sandbox\": \"required\" to refuse running agents without it");
}
