import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataPaths } from "../config/paths.ts";
import type { LimitSupport } from "../sandbox/limits.ts";
import type { SandboxSupport } from "../sandbox/probe.ts";
import {
  checkAdminToken,
  checkDataDir,
  checkDisk,
  checkScanRoots,
  checkElixir,
  checkGit,
  checkLandlock,
  checkPort,
  checkResourceLimits,
  checkSandboxPolicy,
  checkSandboxTool,
  checkLocalApiSocket,
  checkSocket,
  checkPathEntries,
  checkSshKeygen,
  type CommandResult,
  type DoctorDeps,
} from "./checks.ts";
import { probePort, runDoctor } from "./doctor.ts";
import { compareVersions, gitHasSecurityFixes, parseElixirVersion, parseGitVersion } from "./versions.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "os-doctor-"));
  dirs.push(d);
  return d;
}

const ELIXIR_OUT = "Erlang/OTP 25 [erts-13.1.5] [source] [64-bit] [smp:2:2] [ds:2:2:10] [async-threads:1] [jit:ns]\n\nElixir 1.14.0 (compiled with Erlang/OTP 24)\n";
const UID = typeof process.getuid === "function" ? process.getuid() : null;

/** A Linux machine where bubblewrap and Landlock work. */
const SANDBOX_OK: SandboxSupport = {
  available: true,
  reason: null,
  bwrap: "/usr/bin/bwrap",
  bwrapVersion: "0.8.0",
  landlockAbi: 7,
  toolchain: { erlangRoot: "/usr/lib/erlang", ertsBin: "/usr/lib/erlang/erts-13.1.5/bin", elixirRoot: "/usr/lib/elixir", mixScript: "/usr/lib/elixir/bin/mix", elixirEbins: [], libDirs: [], loader: null },
  symlinks: [],
  networkFiles: [],
  spawnSystem: ["/usr"],
  sandboxExec: null, disableUserns: true,
};
/** Root on a cgroup v1 hybrid host (this machine kind). */
const LIMITS_V1: LimitSupport = {
  controllers: { memory: { version: 1, dir: "/sys/fs/cgroup/memory" }, cpu: { version: 1, dir: "/sys/fs/cgroup/cpu" }, pids: { version: 1, dir: "/sys/fs/cgroup/pids" } },
  prlimit: "/usr/bin/prlimit",
  root: true,
  nofileHard: 20000,
  found: [],
};
const CAPS = { memoryMb: 1024, cpuPercent: 100, maxProcesses: 256, maxOpenFiles: 4096 };

/** A scripted machine; `programs` maps a command line to its result (null: not installed). */
function deps(over: Partial<DoctorDeps> & { programs?: Record<string, CommandResult | null> } = {}): DoctorDeps {
  const programs: Record<string, CommandResult | null> = {
    "git --version": { code: 0, stdout: "git version 2.45.2\n", stderr: "" },
    "elixir --version": { code: 0, stdout: ELIXIR_OUT, stderr: "" },
    ...over.programs,
  };
  return {
    env: {},
    uid: UID,
    run: async (cmd) => programs[cmd.join(" ")] ?? null,
    which: (name) => (name === "mix" ? "/usr/bin/mix" : name === "ssh-keygen" ? "/usr/bin/ssh-keygen" : null),
    probePort: async () => ({ state: "free" }),
    readDaemon: () => null,
    diskSpace: () => ({ free: 50 * 1024 ** 3, total: 100 * 1024 ** 3 }),
    sandbox: () => SANDBOX_OK,
    limits: () => LIMITS_V1,
    ...over,
  };
}
const out = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: "" });

describe("versions", () => {
  test.each([
    ["2.45.1", true],
    ["2.45.0", false],
    ["2.46.0", true],
    ["3.0.0", true],
    ["2.44.1", true],
    ["2.44.0", false],
    ["2.43.4", true],
    ["2.43.3", false],
    ["2.42.2", true],
    ["2.41.1", true],
    ["2.40.2", true],
    ["2.40.1", false],
    ["2.39.4", true],
    ["2.39.5", true],
    ["2.39.3", false],
    ["2.38.9", false],
    ["2.34.1", false],
    ["1.9.9", false],
  ])("git %s has the 2024 fixes: %p", (v, want) => {
    expect(gitHasSecurityFixes(parseGitVersion(`git version ${v}`)!)).toBe(want);
  });

  test("parsing odd git and elixir outputs", () => {
    expect(parseGitVersion("git version 2.39.3 (Apple Git-146)")).toEqual([2, 39, 3]);
    expect(parseGitVersion("git version 2.45.1.windows.1")).toEqual([2, 45, 1]);
    expect(parseGitVersion("git version 2.45")).toEqual([2, 45, 0]);
    expect(parseGitVersion("nope")).toBeNull();
    expect(parseElixirVersion(ELIXIR_OUT)).toEqual({ elixir: [1, 14, 0], otp: 25 });
    expect(parseElixirVersion("garbage")).toEqual({ elixir: null, otp: null });
    expect(compareVersions([1, 13, 4], [1, 14, 0])).toBeLessThan(0);
  });
});

describe("tool checks", () => {
  test("ssh-keygen: ok when on PATH; missing warns that signed registries cannot sync", () => {
    expect(checkSshKeygen({ which: (n) => (n === "ssh-keygen" ? "/usr/bin/ssh-keygen" : null) })).toMatchObject({ status: "ok", message: expect.stringContaining("/usr/bin/ssh-keygen") });
    expect(checkSshKeygen({ which: () => null })).toMatchObject({ status: "warn", message: expect.stringContaining("--require-signed"), fix: expect.stringContaining("openssh-client") });
    expect(checkPathEntries({ PATH: "/usr/local/bin:/usr/bin:/bin" })).toEqual([]);
    expect(checkPathEntries({ PATH: ".:/usr/bin::node_modules/.bin" })).toEqual([
      expect.objectContaining({ id: "path", status: "warn", message: expect.stringContaining("'.', (empty), 'node_modules/.bin'") }),
    ]);
  });

  test("git: ok, old (warn with the backport caveat), missing (fail), broken (fail)", async () => {
    expect((await checkGit(deps())).status).toBe("ok");
    const old = await checkGit(deps({ programs: { "git --version": out("git version 2.34.1\n") } }));
    expect(old).toMatchObject({ status: "warn" });
    expect(old.message).toContain("CVE-2024-32002");
    expect(old.fix).toContain("backported");
    const missing = await checkGit(deps({ programs: { "git --version": null } }));
    expect(missing.status).toBe("fail");
    expect(missing.fix).toContain("apt-get install git");
    expect((await checkGit(deps({ programs: { "git --version": { code: 127, stdout: "", stderr: "boom" } } }))).status).toBe("fail");
  });

  test("elixir, mix and OTP", async () => {
    expect((await checkElixir(deps())).map((c) => [c.id, c.status])).toEqual([
      ["elixir", "ok"],
      ["mix", "ok"],
      ["otp", "ok"],
    ]);
    const old = await checkElixir(deps({ programs: { "elixir --version": out("Erlang/OTP 23 [erts-11]\n\nElixir 1.13.4 (compiled with Erlang/OTP 23)\n") } }));
    expect(old.map((c) => c.status)).toEqual(["fail", "ok", "warn"]);
    expect(old[0]!.message).toContain("older than 1.14");
    const none = await checkElixir(deps({ programs: { "elixir --version": null }, which: () => null }));
    expect(none.map((c) => c.status)).toEqual(["fail", "fail", "fail"]);
    for (const c of none) expect(c.fix).toContain("install Elixir");
  });
});

describe("file checks (real temp files)", () => {
  test("data dir: missing is fine, 0700 ok, 0750 warn, 0770 fail, a file fails", () => {
    const base = temp();
    const paths = dataPaths(join(base, "home"));
    expect(checkDataDir(paths, { uid: UID }).status).toBe("ok");
    mkdirSync(paths.home, { mode: 0o700 });
    expect(checkDataDir(paths, { uid: UID })).toMatchObject({ status: "ok", message: `${paths.home}: mode 0700, owned by you` });
    chmodSync(paths.home, 0o750);
    expect(checkDataDir(paths, { uid: UID })).toMatchObject({ status: "warn", fix: `chmod 700 ${paths.home}` });
    chmodSync(paths.home, 0o770);
    expect(checkDataDir(paths, { uid: UID })).toMatchObject({ status: "fail", fix: `chmod 700 ${paths.home}` });
    chmodSync(paths.home, 0o700);
    expect(checkDataDir(paths, { uid: UID === null ? null : UID + 1 }).status).toBe(UID === null ? "ok" : "fail");
    const file = dataPaths(join(base, "f"));
    writeFileSync(file.home, "");
    expect(checkDataDir(file, { uid: UID }).status).toBe("fail");
  });

  test("socket dir and socket path length", () => {
    const paths = dataPaths(join(temp(), "home"));
    expect(checkSocket(paths, { uid: UID }).map((c) => c.status)).toEqual(["ok", "ok"]);
    mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
    chmodSync(paths.runDir, 0o755);
    expect(checkSocket(paths, { uid: UID })[0]).toMatchObject({ status: "warn", fix: `chmod 700 ${paths.runDir}` });
    const long = dataPaths(join(temp(), "x".repeat(90)));
    const [, len] = checkSocket(long, { uid: UID });
    expect(len).toMatchObject({ id: "socket_path", status: "fail" });
    expect(len!.fix).toContain("OPENSENTIENCE_HOME");
  });

  test("local API socket: absent ok, a 0600 socket ok, a file fail, a loose mode warn", async () => {
    const paths = dataPaths(join(temp(), "home"));
    mkdirSync(paths.home, { recursive: true, mode: 0o700 });
    expect(checkLocalApiSocket(paths, { uid: UID })).toMatchObject({ id: "api_socket", status: "ok" });
    writeFileSync(paths.localApiSocket, "x");
    expect(checkLocalApiSocket(paths, { uid: UID })).toMatchObject({ status: "fail", fix: `rm ${paths.localApiSocket}   (then restart the daemon)` });
    rmSync(paths.localApiSocket);
    const server = Bun.listen({ unix: paths.localApiSocket, socket: { data() {} } });
    try {
      chmodSync(paths.localApiSocket, 0o600);
      expect(checkLocalApiSocket(paths, { uid: UID })).toMatchObject({ status: "ok" });
      chmodSync(paths.localApiSocket, 0o666);
      expect(checkLocalApiSocket(paths, { uid: UID })).toMatchObject({ status: "warn", fix: `chmod 600 ${paths.localApiSocket}` });
      expect(checkLocalApiSocket(paths, { uid: (UID ?? 0) + 1 })).toMatchObject({ status: "fail" });
    } finally {
      server.stop(true);
    }
  });

  test("admin token: absent ok, 0600 ok, 0644 fail, symlink fail", () => {
    const paths = dataPaths(temp());
    expect(checkAdminToken(paths, { uid: UID, env: {} }).status).toBe("ok");
    writeFileSync(paths.adminToken, "a".repeat(64), { mode: 0o600 });
    expect(checkAdminToken(paths, { uid: UID, env: {} })).toMatchObject({ status: "ok", message: `${paths.adminToken}: mode 0600` });
    chmodSync(paths.adminToken, 0o644);
    expect(checkAdminToken(paths, { uid: UID, env: {} })).toMatchObject({ status: "fail", fix: expect.stringContaining(`chmod 600 ${paths.adminToken}`) });
    rmSync(paths.adminToken);
    symlinkSync("/etc/hostname", paths.adminToken);
    expect(checkAdminToken(paths, { uid: UID, env: {} }).status).toBe("fail");
  });

  test("disk space thresholds; the nearest existing parent is measured", () => {
    const paths = dataPaths(join(temp(), "not", "yet"));
    const seen: string[] = [];
    const at = (free: number) =>
      checkDisk(paths, {
        diskSpace: (p) => {
          seen.push(p);
          return { free, total: 1e12 };
        },
      }).status;
    expect(at(5 * 1024 ** 3)).toBe("ok");
    expect(at(500 * 1024 ** 2)).toBe("warn");
    expect(at(50 * 1024 ** 2)).toBe("fail");
    expect(seen[0]).toBe(dirs.at(-1)!);
    expect(checkDisk(paths, { diskSpace: () => null }).status).toBe("warn");
  });

  test("scan roots that are not directories are named, with the config key to fix; the data dir's agents/ is not", () => {
    const home = temp();
    const paths = dataPaths(home);
    const present = temp();
    const file = join(present, "a-file");
    writeFileSync(file, "");
    expect(checkScanRoots([present, paths.agentsDir], paths).status).toBe("ok");
    expect(checkScanRoots([], paths).message).toContain("local discovery is off");
    const r = checkScanRoots([present, join(home, "Projects"), file], paths);
    expect(r.status).toBe("warn");
    expect(r.message).toBe(`scan roots ${join(home, "Projects")}, ${file} are not a directory; local discovery skips them`);
    expect(r.fix).toContain("scan_roots");
  });

  test("retention.min_free_disk_mb moves the warning; the catalog's size is named", () => {
    const home = temp();
    const paths = dataPaths(home);
    writeFileSync(paths.db, Buffer.alloc(3 * 1024 * 1024));
    const r = checkDisk(paths, { diskSpace: () => ({ free: 5 * 1024 ** 3, total: 1e12 }) }, 10_000);
    expect(r.status).toBe("warn");
    expect(r.message).toContain("below retention.min_free_disk_mb (10000 MiB)");
    expect(r.message).toContain("the catalog takes 3 MiB");
    expect(checkDisk(paths, { diskSpace: () => ({ free: 5 * 1024 ** 3, total: 1e12 }) }, 1024).status).toBe("ok");
    expect(checkDisk(paths, { diskSpace: () => ({ free: 200 * 1024 ** 2, total: 1e12 }) }, 0).status).toBe("ok");
  });
});

describe("port", () => {
  const paths = dataPaths("/nonexistent/home");

  test("free, held by our daemon, held by someone else, cannot bind, port 0", async () => {
    expect((await checkPort("127.0.0.1", 6767, paths, deps())).status).toBe("ok");
    const inUse = deps({ probePort: async () => ({ state: "in_use" }) });
    expect(await checkPort("127.0.0.1", 6767, paths, inUse)).toMatchObject({ status: "fail", fix: expect.stringContaining("OPENSENTIENCE_PORT") });
    const ours = deps({ probePort: async () => ({ state: "in_use" }), readDaemon: () => ({ pid: 99, url: "http://127.0.0.1:6767" }) });
    expect(await checkPort("127.0.0.1", 6767, paths, ours)).toMatchObject({ status: "ok", message: "127.0.0.1:6767 is held by the running daemon (pid 99)" });
    const oursElsewhere = deps({ probePort: async () => ({ state: "in_use" }), readDaemon: () => ({ pid: 99, url: "http://127.0.0.1:7000" }) });
    expect((await checkPort("127.0.0.1", 6767, paths, oursElsewhere)).status).toBe("fail");
    expect((await checkPort("10.255.255.1", 6767, paths, deps({ probePort: async () => ({ state: "error", message: "EADDRNOTAVAIL" }) }))).status).toBe("fail");
    expect((await checkPort("127.0.0.1", 0, paths, inUse)).status).toBe("ok");
  });

  test("the real probe sees a listener", async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await probePort("127.0.0.1", port)).toEqual({ state: "in_use" });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await probePort("127.0.0.1", port)).toEqual({ state: "free" });
  });
});

describe("sandbox checks", () => {
  test("bubblewrap: version when it works; missing or blocked → warn with the package or sysctl to fix it", () => {
    expect(checkSandboxTool(SANDBOX_OK, "linux")).toMatchObject({ status: "ok", message: expect.stringContaining("bubblewrap 0.8.0 at /usr/bin/bwrap") });
    const missing = checkSandboxTool({ ...SANDBOX_OK, available: false, bwrap: null, bwrapVersion: null, reason: "bwrap is not installed" }, "linux");
    expect(missing).toMatchObject({ status: "warn", fix: expect.stringContaining("apt-get install bubblewrap") });
    const blocked = checkSandboxTool({ ...SANDBOX_OK, available: false, reason: "bwrap cannot create namespaces here: setting up uid map: Permission denied" }, "linux");
    expect(blocked.status).toBe("warn");
    expect(blocked.message).toContain("Permission denied");
    expect(blocked.fix).toContain("unprivileged_userns");
    expect(checkSandboxTool({ ...SANDBOX_OK, sandboxExec: "/usr/bin/sandbox-exec" }, "darwin").message).toContain("untested");
  });
  test("Landlock: the ABI, or a warning that exec is only partly restricted", () => {
    expect(checkLandlock(SANDBOX_OK, "linux")).toMatchObject({ status: "ok", message: expect.stringContaining("Landlock ABI 7") });
    const none = checkLandlock({ ...SANDBOX_OK, landlockAbi: 0 }, "linux");
    expect(none.status).toBe("warn");
    expect(none.fix).toContain("5.13");
  });
  test("resource limits: each limit with its mechanism; what is missing is a warning with a fix", () => {
    const ok = checkResourceLimits(LIMITS_V1, CAPS, "linux");
    expect(ok.status).toBe("ok");
    expect(ok.message).toBe("memory 1024 MB: cgroup-v1; cpu 100%: cgroup-v1; processes 256: cgroup-v1; open files: rlimit; core dumps off: rlimit");
    const none = checkResourceLimits({ controllers: {}, prlimit: "/usr/bin/prlimit", root: true, nofileHard: null, found: [] }, CAPS, "linux");
    expect(none.status).toBe("warn");
    expect(none.message).toContain("memory 1024 MB: not enforced");
    expect(none.message).toContain("RLIMIT_NPROC is not enforced for root");
    expect(none.fix).toContain("Delegate=memory pids cpu");
  });
  test("policy: works → ok; auto without a sandbox → warn; required without one → fail; off → warn", () => {
    const broken = { ...SANDBOX_OK, available: false, reason: "bwrap is not installed" };
    expect(checkSandboxPolicy("auto", "default", SANDBOX_OK)).toMatchObject({ status: "ok", message: "sandbox: auto (default): agents and their builds run sandboxed" });
    expect(checkSandboxPolicy("auto", "file", broken)).toMatchObject({ status: "warn", message: expect.stringContaining("UNSANDBOXED") });
    const req = checkSandboxPolicy("required", "env", broken);
    expect(req.status).toBe("fail");
    expect(req.message).toContain("OPENSENTIENCE_SANDBOX");
    expect(req.message).toContain("no agent will start or build");
    expect(checkSandboxPolicy("off", "file", SANDBOX_OK)).toMatchObject({ status: "warn", fix: expect.stringContaining('"sandbox": "auto"') });
  });
  test("doctor reads the policy from config.json and fails under required without a sandbox", async () => {
    const home = join(temp(), "home");
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ sandbox: "required" }));
    const r = await runDoctor(deps({ env: { OPENSENTIENCE_HOME: home }, sandbox: () => ({ ...SANDBOX_OK, available: false, bwrap: null, reason: "bwrap is not installed" }) }));
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.id === "sandbox_policy")).toMatchObject({ status: "fail", message: expect.stringContaining("sandbox: required (config.json)") });
  });
});

describe("runDoctor", () => {
  test("a healthy machine: every check ok, in a stable order", async () => {
    const home = join(temp(), "home");
    const r = await runDoctor(deps({ env: { OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: temp(), OPENSENTIENCE_SDK_PATH: join(import.meta.dir, "../../../sdk/elixir") } }));
    expect(r.checks.map((c) => c.id)).toEqual(["config", "git", "ssh_keygen", "elixir", "mix", "otp", "sdk", "data_dir", "socket_dir", "socket_path", "api_socket", "port", "admin_token", "disk", "scan_roots", "sandbox_tool", "landlock", "limits", "sandbox_policy"]);
    expect(r.checks.filter((c) => c.status !== "ok" && c.id !== "sdk")).toEqual([]);
    expect(r.ok).toBe(true);
    for (const c of r.checks) if (c.status !== "ok") expect(c.fix).toBeTruthy();
  });

  test("a bad config fails with the field named, and the rest still runs on defaults", async () => {
    const home = join(temp(), "home");
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, "config.json"), '{"prot": 1}');
    let probed = 0;
    const r = await runDoctor(deps({ env: { OPENSENTIENCE_HOME: home }, probePort: async () => (probed++, { state: "in_use" }) }));
    expect(probed).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.counts.fail).toBe(1);
    expect(r.checks[0]).toMatchObject({ id: "config", status: "fail" });
    expect(r.checks[0]!.message).toContain("prot: unknown field (did you mean 'port'?)");
    // The port serve would use is unknown: not probed (a default port held by another program is no finding).
    const port = r.checks.find((c) => c.id === "port")!;
    expect(port.status).toBe("warn");
    expect(port.message).toContain("not checked");
    expect(port.message).toContain("6767");
  });

  test("doctor never creates the data dir", async () => {
    const home = join(temp(), "home");
    await runDoctor(deps({ env: { OPENSENTIENCE_HOME: home } }));
    expect(existsSync(home)).toBe(false);
  });
});
