import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLimits, type CgroupFs, cgroupGroupName, countUserTasks, sweepLeakedCgroups, decideLimits, type DetectInput, detectFrom, effectiveLimits, type LimitSupport, parseCgroupMounts, parseSelfCgroup, realCgroupFs } from "./limits.ts";

const caps = { memoryMb: 1024, cpuPercent: 100, maxProcesses: 256, maxOpenFiles: 4096 };

describe("effective limits", () => {
  test("the operator's caps are the defaults; a manifest may only ask for less", () => {
    expect(effectiveLimits(null, caps)).toEqual(caps);
    expect(effectiveLimits({ execution_limits: { memory_mb: 256, cpu_percent: 50, max_processes: 64 } }, caps)).toEqual({ memoryMb: 256, cpuPercent: 50, maxProcesses: 64, maxOpenFiles: 4096 });
    expect(effectiveLimits({ execution_limits: { memory_mb: 99_999, cpu_percent: 800, max_processes: 100_000 } }, caps)).toEqual(caps);
  });
  test("resources.memory_mb (the older field) counts when execution_limits.memory_mb is absent", () => {
    expect(effectiveLimits({ resources: { memory_mb: 300 } }, caps).memoryMb).toBe(300);
    expect(effectiveLimits({ resources: { memory_mb: 300 }, execution_limits: { memory_mb: 200 } }, caps).memoryMb).toBe(200);
  });
});

// The machine this was written on: cgroup v1 hybrid, the process in a nested memory cgroup, root.
const HYBRID_MOUNTINFO = [
  "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw",
  "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:8 - cgroup cgroup rw,cpu,cpuacct",
  "36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory",
  "38 30 0:34 / /sys/fs/cgroup/pids rw,nosuid shared:12 - cgroup cgroup rw,pids",
].join("\n");
const HYBRID_SELF = ["9:name=systemd:/", "8:pids:/", "4:memory:/process_api/abc", "2:cpu,cpuacct:/", "0::/"].join("\n");

const machine = (over: Partial<DetectInput> = {}): DetectInput => ({
  mountinfo: HYBRID_MOUNTINFO,
  selfCgroup: HYBRID_SELF,
  selfLimits: "Max open files            20000                20000                files\n",
  uid: 0,
  prlimit: "/usr/bin/prlimit",
  read: (p) => (p === "/sys/fs/cgroup/unified/cgroup.controllers" ? "\n" : null),
  writable: () => true,
  ...over,
});

describe("detection", () => {
  test("mountinfo and /proc/self/cgroup parsing (co-mounted controllers, escaped paths, v2 line)", () => {
    const m = parseCgroupMounts(`${HYBRID_MOUNTINFO}\n40 30 0:40 /docker/x /sys/fs/cgroup/with\\040space rw - cgroup cgroup rw,freezer`);
    expect(m.find((x) => x.options.includes("cpu"))!.mountPoint).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(m.find((x) => x.version === 2)!.mountPoint).toBe("/sys/fs/cgroup/unified");
    expect(m.at(-1)).toMatchObject({ mountPoint: "/sys/fs/cgroup/with space", root: "/docker/x" });
    const s = parseSelfCgroup(HYBRID_SELF);
    expect(s.get("cpu")).toBe("/");
    expect(s.get("cpuacct")).toBe("/");
    expect(s.get("memory")).toBe("/process_api/abc");
    expect(s.get("")).toBe("/");
  });
  test("hybrid host as root: v1 memory/cpu/pids under the daemon's own cgroups; v2 without controllers is skipped", () => {
    const s = detectFrom(machine());
    expect(s.controllers).toEqual({
      memory: { version: 1, dir: "/sys/fs/cgroup/memory/process_api/abc" },
      cpu: { version: 1, dir: "/sys/fs/cgroup/cpu,cpuacct" },
      pids: { version: 1, dir: "/sys/fs/cgroup/pids" },
    });
    expect(s.found.join("\n")).toContain("no controllers delegated");
    expect(s.root).toBe(true);
    expect(s.nofileHard).toBe(20000);
  });
  test("pure cgroup v2 with delegated controllers wins over v1", () => {
    const s = detectFrom(
      machine({
        mountinfo: "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw",
        selfCgroup: "0::/user.slice/opensentience.service",
        read: (p) => (p === "/sys/fs/cgroup/user.slice/opensentience.service/cgroup.controllers" ? "cpu io memory pids\n" : null),
      }),
    );
    const dir = "/sys/fs/cgroup/user.slice/opensentience.service";
    expect(s.controllers).toEqual({ memory: { version: 2, dir }, cpu: { version: 2, dir }, pids: { version: 2, dir } });
  });
  test("a read-only cgroup file system (an unprivileged container) offers nothing", () => {
    const s = detectFrom(machine({ writable: () => false, uid: 1000 }));
    expect(s.controllers).toEqual({});
    expect(s.found.join("\n")).toContain("not writable");
  });
  test("a container whose cgroup mount shows a subtree: paths are relative to the mount's root", () => {
    const s = detectFrom(machine({ mountinfo: "36 30 0:32 /docker/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory", selfCgroup: "4:memory:/docker/c1/app" }));
    expect(s.controllers.memory!.dir).toBe("/sys/fs/cgroup/memory/app");
  });
});

const support = (over: Partial<LimitSupport> = {}): LimitSupport => ({ controllers: {}, prlimit: "/usr/bin/prlimit", root: false, nofileHard: 1024, found: [], ...over });

describe("decisions", () => {
  test("all cgroups: memory, cpu and processes by cgroup, files and core dumps by rlimit, no notes", () => {
    const v = decideLimits(caps, support({ controllers: { memory: { version: 1, dir: "/m" }, cpu: { version: 2, dir: "/u" }, pids: { version: 1, dir: "/p" } }, root: true }));
    expect(v.enforced).toEqual({ memory: "cgroup-v1", cpu: "cgroup-v2", processes: "cgroup-v1", openFiles: "rlimit", coreDumps: "rlimit" });
    expect(v.notes).toEqual([]);
    expect(v.maxOpenFiles).toBe(4096); // root may raise its hard limit
  });
  test("no cgroups, unprivileged: processes fall back to RLIMIT_NPROC (with its caveat); memory and CPU are not limited", () => {
    const v = decideLimits(caps, support());
    expect(v.enforced).toEqual({ memory: null, cpu: null, processes: "rlimit", openFiles: "rlimit", coreDumps: "rlimit" });
    expect(v.notes.join("\n")).toMatch(/memory is not limited.*BEAM/);
    expect(v.notes.join("\n")).toMatch(/RLIMIT_NPROC counts every process of your user, so it is set to what your user runs now plus/);
    expect(v.maxOpenFiles).toBe(1024); // never above the daemon's own hard limit
  });
  test("no cgroups as root: RLIMIT_NPROC would not apply, so processes are reported as not limited", () => {
    const v = decideLimits(caps, support({ root: true }));
    expect(v.enforced.processes).toBeNull();
    expect(v.notes.join("\n")).toContain("RLIMIT_NPROC is not enforced for root");
  });
  test("nothing at all (no prlimit): every limit says it is not enforced", () => {
    const v = decideLimits(caps, support({ prlimit: null }));
    expect(Object.values(v.enforced)).toEqual([null, null, null, null, null]);
    expect(v.notes.join("\n")).toContain("prlimit (util-linux) is not installed");
  });
});

/** A writable fake cgroupfs in a temp dir: files are plain files. */
function fakeFs(): { root: string; fs: CgroupFs; killed: number[] } {
  const root = mkdtempSync(join(tmpdir(), "oscg-"));
  const killed: number[] = [];
  // Like cgroupfs: a directory goes with its control files, but not while it has child groups.
  const rmdir = (p: string) => {
    if (readdirSync(p, { withFileTypes: true }).some((e) => e.isDirectory())) throw new Error("EBUSY");
    rmSync(p, { recursive: true });
  };
  return { root, killed, fs: { ...realCgroupFs, rmdir, kill: (pid) => void killed.push(pid) } };
}

describe("applyLimits (on a fake cgroupfs)", () => {
  test("v1: one directory per hierarchy with the limit files; argv joins them first, then prlimit", () => {
    const { root, fs } = fakeFs();
    const s = support({ controllers: { memory: { version: 1, dir: join(root, "memory") }, cpu: { version: 1, dir: join(root, "cpu") }, pids: { version: 1, dir: join(root, "pids") } }, root: true, nofileHard: null });
    const a = applyLimits("com.example.a", { ...caps, memoryMb: 64, cpuPercent: 50 }, { support: s, group: "opensentience-test", fs });
    const dir = (c: string) => join(root, c, "opensentience-test", "com.example.a");
    expect(readFileSync(join(dir("memory"), "memory.limit_in_bytes"), "utf8")).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(dir("memory"), "memory.memsw.limit_in_bytes"), "utf8")).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(dir("cpu"), "cpu.cfs_quota_us"), "utf8")).toBe("50000");
    expect(readFileSync(join(dir("cpu"), "cpu.cfs_period_us"), "utf8")).toBe("100000");
    expect(readFileSync(join(dir("pids"), "pids.max"), "utf8")).toBe("256");
    const argv = a.command(["/usr/bin/bwrap", "--", "x"]);
    expect(argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const dash = argv.indexOf("--", 4);
    expect(argv.slice(4, dash)).toEqual(["memory", "cpu", "pids"].map((c) => join(dir(c), "cgroup.procs")));
    expect(argv.slice(dash + 1)).toEqual(["/usr/bin/prlimit", "--core=0", "--nofile=4096", "--", "/usr/bin/bwrap", "--", "x"]);
    expect(a.view.enforced).toMatchObject({ memory: "cgroup-v1", cpu: "cgroup-v1", processes: "cgroup-v1" });
    // OOM kills are read from memory.oom_control; release removes the directories.
    writeFileSync(join(dir("memory"), "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    expect(a.release()).toEqual({ oomKills: 2 });
    for (const c of ["memory", "cpu", "pids"]) expect(fs.exists(dir(c))).toBe(false);
    for (const c of ["memory", "cpu", "pids"]) expect(fs.exists(join(root, c, "opensentience-test"))).toBe(false); // the empty group too
    rmSync(root, { recursive: true });
  });
  test("v2: one directory, controllers enabled down the tree, memory.max / cpu.max / pids.max, OOM from memory.events", () => {
    const { root, fs } = fakeFs();
    const own = join(root, "svc");
    mkdirSync(own);
    writeFileSync(join(own, "cgroup.subtree_control"), "");
    const c = { version: 2 as const, dir: own };
    const a = applyLimits("com.example.b", { ...caps, memoryMb: 128, cpuPercent: 150, maxProcesses: 64 }, { support: support({ controllers: { memory: c, cpu: c, pids: c } }), group: "g", fs });
    const dir = join(own, "g", "com.example.b");
    expect(readFileSync(join(dir, "memory.max"), "utf8")).toBe(String(128 * 1024 * 1024));
    expect(readFileSync(join(dir, "cpu.max"), "utf8")).toBe("150000 100000");
    expect(readFileSync(join(dir, "pids.max"), "utf8")).toBe("64");
    expect(readFileSync(join(own, "g", "cgroup.subtree_control"), "utf8")).toBe("+pids"); // the fake file keeps the last write
    expect(a.procsFiles).toEqual([join(dir, "cgroup.procs")]);
    writeFileSync(join(dir, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    expect(a.oomKills()).toBe(1);
    rmSync(root, { recursive: true });
  });
  test("a stale cgroup from a crashed daemon is emptied and replaced", () => {
    const { root, fs, killed } = fakeFs();
    const dir = join(root, "memory", "g", "com.example.c");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cgroup.procs"), "4242\n");
    applyLimits("com.example.c", caps, { support: support({ controllers: { memory: { version: 1, dir: join(root, "memory") } } }), group: "g", fs });
    expect(killed).toContain(4242);
    expect(fs.exists(join(dir, "cgroup.procs"))).toBe(false); // a fresh directory
    rmSync(root, { recursive: true });
  });
  test("a limit file the kernel refuses: reported as not enforced, the rest still applies; nothing throws", () => {
    const { root, fs } = fakeFs();
    const failing: CgroupFs = { ...fs, write: (p, v) => (p.endsWith("pids.max") ? (() => { throw new Error("EACCES"); })() : fs.write(p, v)) };
    const a = applyLimits("com.example.d", caps, { support: support({ controllers: { memory: { version: 1, dir: join(root, "m") }, pids: { version: 1, dir: join(root, "p") } } }), group: "g", fs: failing, userTasks: () => 300 });
    expect(a.view.enforced.memory).toBe("cgroup-v1");
    expect(a.view.enforced.processes).toBe("rlimit"); // unprivileged fallback
    expect(a.view.notes.join("\n")).toContain("processes not limited: EACCES");
    // RLIMIT_NPROC counts all of the user's tasks: what runs now (300) plus the agent's 256.
    expect(a.command(["x"])).toContain("--nproc=556");
    rmSync(root, { recursive: true });
  });
  test("nothing to enforce: argv unchanged", () => {
    const a = applyLimits("com.example.e", caps, { support: support({ prlimit: null }), group: "g" });
    expect(a.command(["mix", "run"])).toEqual(["mix", "run"]);
    expect(a.release()).toEqual({ oomKills: 0 });
  });
  test("leftovers of a killed daemon are swept: empty and old only, never a cgroup with a process, never a fresh one", () => {
    const { root, fs } = fakeFs();
    const own = join(root, "memory");
    const mk = (rel: string, procs = "") => {
      mkdirSync(join(own, rel), { recursive: true });
      writeFileSync(join(own, rel, "cgroup.procs"), procs);
    };
    mk("opensentience-aaa/com.old.empty");
    mk("opensentience-aaa/com.old.running", "4242\n");
    mk("opensentience-bbb/com.fresh.empty");
    mk("opensentience-ccc/com.old.gone");
    mk("unrelated/child");
    const ages: Record<string, number> = { "com.fresh.empty": 1000 };
    const aged: CgroupFs = { ...fs, children: (d) => fs.children(d).map((c) => ({ ...c, ageMs: ages[c.name] ?? 600_000 })) };
    expect(sweepLeakedCgroups(support({ controllers: { memory: { version: 1, dir: own } } }), aged)).toBe(2);
    expect(fs.exists(join(own, "opensentience-aaa/com.old.empty"))).toBe(false);
    expect(fs.exists(join(own, "opensentience-aaa/com.old.running"))).toBe(true);
    expect(fs.exists(join(own, "opensentience-bbb/com.fresh.empty"))).toBe(true);
    expect(fs.exists(join(own, "opensentience-ccc"))).toBe(false); // the emptied group goes too
    expect(fs.exists(join(own, "unrelated/child"))).toBe(true);
    rmSync(root, { recursive: true });
  });
  test("countUserTasks sees at least this process's threads", () => {
    expect(countUserTasks()).toBeGreaterThan(1);
  });
  test("the group name depends on the data directory only", () => {
    expect(cgroupGroupName("/a")).toBe(cgroupGroupName("/a"));
    expect(cgroupGroupName("/a")).not.toBe(cgroupGroupName("/b"));
    expect(cgroupGroupName("/a")).toMatch(/^opensentience-[0-9a-f]{12}$/);
  });
});
