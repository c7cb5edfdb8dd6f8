/**
 * Real cgroups, through the launcher's own path (prepare → spawn → release):
 * the agent's whole tree lands in its cgroup before it runs anything, a memory
 * hog inside it is OOM-killed and counted, and release removes the cgroup.
 * Needs a writable memory controller (v1 or v2) — root on this machine kind;
 * skipped elsewhere. The "agent" is a shell (with process:spawn), not a BEAM:
 * the limits do not care what runs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { waitFor } from "../../../test/helpers/binary.ts";
import { SandboxLauncher } from "./launcher.ts";
import { detectLimitSupport } from "./limits.ts";
import { sandboxSupport } from "./probe.ts";

const support = detectLimitSupport(true);
const canLimit = support.controllers.memory !== undefined && support.controllers.pids !== undefined;
const root = mkdtempSync(join(tmpdir(), "oslim-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function launcher(policy: "auto" | "off", memoryMb: number) {
  const dataHome = join(root, `data-${policy}-${memoryMb}`);
  const hubSocket = join(dataHome, "run", "agents.sock");
  mkdirSync(dirname(hubSocket), { recursive: true });
  writeFileSync(hubSocket, ""); // bound into the sandbox like the real socket
  const install = join(dataHome, "agents", "com.example.hog", "src");
  mkdirSync(install, { recursive: true });
  const l = new SandboxLauncher({
    policy,
    dataHome,
    agentsDir: join(dataHome, "agents"),
    runDir: join(dataHome, "run"),
    hubSocket,
    buildTrees: [],
    userHome: join(root, "home"),
    resources: { caps: { memoryMb, cpuPercent: 100, maxProcesses: 64, maxOpenFiles: 256 }, support: () => support },
  });
  return { l, install };
}

async function run(policy: "auto" | "off", memoryMb: number, script: string) {
  const { l, install } = launcher(policy, memoryMb);
  const p = l.prepare({ agentId: "com.example.hog", installPath: install, devMode: false, approved: ["process:spawn"], argv: ["/bin/sh", "-c", script], env: { PATH: "/usr/bin:/bin" } });
  const proc = Bun.spawn(p.argv, { cwd: install, env: p.env, stdout: "pipe", stderr: "pipe", detached: true });
  return { p, proc };
}

const cgroupOf = (pid: number, controller: string) =>
  readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .find((l) => l.split(":")[1]!.split(",").includes(controller) || (controller === "" && l.startsWith("0::")))
    ?.split(":")[2];

describe.skipIf(!canLimit)("resource limits on this machine (real cgroups)", () => {
  const sandboxed = sandboxSupport().available;

  test.skipIf(!sandboxed)("the sandboxed agent and everything it starts are in its cgroup from the first instruction; release removes it", async () => {
    const { p, proc } = await run("auto", 256, "sleep 30 & sleep 30 & wait");
    expect(p.view.sandboxed).toBe(true);
    expect(p.view.limits).toMatchObject({ memoryMb: 256, maxProcesses: 64 });
    expect(p.view.limits!.enforced.memory).toMatch(/^cgroup-v[12]$/);
    const procs = p.limits!.procsFiles;
    const memProcs = procs.find((f) => f.includes("memory") || support.controllers.memory!.version === 2)!;
    // bwrap, its namespace init, the shell and both sleeps.
    const pids = await waitFor(
      () => {
        const now = readFileSync(memProcs, "utf8").split("\n").filter(Boolean).map(Number);
        return now.length >= 4 ? now : null;
      },
      { timeoutMs: 5_000, what: "the agent's processes in its cgroup" },
    );
    expect(pids).toContain(proc.pid);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    const memCgroup = cgroupOf(proc.pid, support.controllers.memory!.version === 2 ? "" : "memory")!;
    expect(memCgroup.endsWith("/com.example.hog")).toBe(true);
    for (const pid of pids) expect(cgroupOf(pid, support.controllers.memory!.version === 2 ? "" : "memory")).toBe(memCgroup);
    expect(readFileSync(join(dirname(memProcs), support.controllers.memory!.version === 2 ? "memory.max" : "memory.limit_in_bytes"), "utf8").trim()).toBe(String(256 * 1024 * 1024));
    proc.kill("SIGKILL");
    await proc.exited;
    expect(p.limits!.release()).toEqual({ oomKills: 0 });
    for (const f of procs) expect(existsSync(dirname(f))).toBe(false);
  }, 30_000);

  test("a memory hog is OOM-killed inside its cgroup and counted; the rest of the machine is untouched", async () => {
    // `tail` keeps the last line in memory, and /dev/zero has no newline: it grows until killed.
    const { p, proc } = await run(sandboxed ? "auto" : "off", 48, "head -c 400m /dev/zero | tail > /dev/null; echo survived-$?");
    const out = await new Response(proc.stdout).text();
    await proc.exited;
    expect(out).not.toContain("survived-0");
    const { oomKills } = p.limits!.release();
    expect(oomKills).toBeGreaterThanOrEqual(1);
    for (const f of p.limits!.procsFiles) expect(existsSync(dirname(f))).toBe(false);
  }, 30_000);

  test("pids.max stops a fork bomb at the agent's limit", async () => {
    const { p, proc } = await run(sandboxed ? "auto" : "off", 256, "i=0; while [ $i -lt 200 ]; do sleep 2 & i=$((i+1)); done 2>/dev/null; wait");
    const pidsDir = dirname(p.limits!.procsFiles.find((f) => f.includes("pids") || support.controllers.pids!.version === 2)!);
    let peak = 0;
    while (proc.exitCode === null) {
      peak = Math.max(peak, readFileSync(join(pidsDir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).length);
      await Bun.sleep(50);
    }
    await proc.exited;
    // Forks over the limit were refused (pids.events counts them) and never more than 64 tasks were in the group.
    expect(Number(/^max (\d+)/m.exec(readFileSync(join(pidsDir, "pids.events"), "utf8"))?.[1])).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(64);
    expect(peak).toBeGreaterThan(10);
    p.limits!.release();
  }, 30_000);
});

const asRootWithSetpriv = process.getuid?.() === 0 && Bun.which("setpriv") !== null && Bun.which("prlimit") !== null;

describe.skipIf(!asRootWithSetpriv)("resource limits for an unprivileged daemon (setpriv nobody)", () => {
  test("no cgroup is writable: memory and CPU are reported as not enforced; open files, core dumps and RLIMIT_NPROC apply", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oslim-nobody-"));
    chmodSync(dir, 0o755);
    const script = join(dir, "probe.ts");
    writeFileSync(
      script,
      `import { applyLimits, detectLimitSupport } from ${JSON.stringify(join(import.meta.dir, "limits.ts"))};
const a = applyLimits("com.x.y", { memoryMb: 64, cpuPercent: 50, maxProcesses: 64, maxOpenFiles: 256 }, { support: detectLimitSupport(true), group: "g" });
const p = Bun.spawnSync(a.command(["/bin/sh", "-c", "ulimit -n; ulimit -c"]));
console.log(JSON.stringify({ view: a.view, argv: a.command(["x"]), out: p.stdout.toString() }));
`,
    );
    const p = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, script], { cwd: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(p.exitCode, p.stderr.toString()).toBe(0);
    const r = JSON.parse(p.stdout.toString()) as { view: { enforced: Record<string, string | null>; notes: string[] }; argv: string[]; out: string };
    expect(r.view.enforced).toEqual({ memory: null, cpu: null, processes: "rlimit", openFiles: "rlimit", coreDumps: "rlimit" });
    expect(r.argv[0]).toEndWith("prlimit");
    expect(r.argv.find((a) => a.startsWith("--nproc="))).toBeDefined();
    expect(r.out.split("\n").slice(0, 2)).toEqual(["256", "0"]);
  }, 30_000);
});
