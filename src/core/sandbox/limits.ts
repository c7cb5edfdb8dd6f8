/**
 * Per-agent resource limits: memory, CPU, processes, open files, core dumps.
 *
 * What an agent gets is decided in two pure steps — `effectiveLimits` (the
 * manifest's `execution_limits` may only tighten the operator's `limits.agent_*`)
 * and `decideLimits` (which mechanism enforces each limit on this machine) —
 * and carried out by `applyLimits`. The result (`LimitsView`) is part of the
 * agent's SandboxView, so `agents info`, the UI and doctor say what is really
 * enforced, and how.
 *
 * Mechanisms, best first, per controller:
 *   cgroup v2  a child of the daemon's own cgroup with memory.max, cpu.max, pids.max
 *              (needs the controllers delegated to us; see `enableV2`);
 *   cgroup v1  the same under each writable v1 hierarchy (memory.limit_in_bytes
 *              + memsw, cpu.cfs_quota_us, pids.max) — e.g. a hybrid host as root;
 *   rlimit     through `prlimit` in front of the agent: RLIMIT_NOFILE, RLIMIT_CORE=0
 *              and, only when no pids cgroup exists, RLIMIT_NPROC. Never RLIMIT_AS
 *              or RLIMIT_DATA: the BEAM reserves large address ranges up front and
 *              fails to start under them, so memory is not limited without cgroups.
 *              RLIMIT_NPROC is not enforced for root and counts every task (process
 *              or thread) of the user, not just the agent's: it is set to what the
 *              user runs at the agent's start plus the agent's maximum.
 *
 * Joining the cgroup: the agent is started through a one-line `/bin/sh` step
 * that writes its own pid into each cgroup.procs and then execs the rest
 * (prlimit → bwrap → the agent). The process is in its cgroups before it runs
 * anything else, so nothing it forks escapes them — writing the pid from the
 * daemon after spawn would leave a window in which bwrap has already forked.
 *
 * Cgroups live under the daemon's own cgroup, in a group named after the data
 * directory (`opensentience-<hash>/<agent id>`), so two daemons never collide and
 * the daemon stays within whatever limits its own service manager gave it.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type LimitMechanism = "cgroup-v2" | "cgroup-v1" | "rlimit";

/** The limits of one agent (or the operator's caps: the same shape). */
export interface ResourceLimits {
  memoryMb: number;
  /** Share of one CPU in percent: 100 = one core, 200 = two. */
  cpuPercent: number;
  /** Tasks (processes and threads: the pids controller counts threads). */
  maxProcesses: number;
  maxOpenFiles: number;
}

/** What an agent gets, and which mechanism enforces each limit (null: not enforced here). */
export interface LimitsView extends ResourceLimits {
  enforced: {
    memory: LimitMechanism | null;
    cpu: LimitMechanism | null;
    processes: LimitMechanism | null;
    openFiles: LimitMechanism | null;
    coreDumps: LimitMechanism | null;
  };
  /** Why something is not enforced, or enforced only partly. */
  notes: string[];
}

/** The manifest fields that ask for limits (schema-checked upstream). */
export interface ManifestLimits {
  execution_limits?: { memory_mb?: number; cpu_percent?: number; max_processes?: number } | undefined;
  resources?: { memory_mb?: number } | undefined;
}

/** A manifest may only tighten the operator's caps, never loosen them. */
export function effectiveLimits(manifest: ManifestLimits | null | undefined, caps: ResourceLimits): ResourceLimits {
  const m = manifest?.execution_limits;
  const pick = (asked: number | undefined, cap: number) => Math.min(asked ?? cap, cap);
  return {
    memoryMb: pick(m?.memory_mb ?? manifest?.resources?.memory_mb, caps.memoryMb),
    cpuPercent: pick(m?.cpu_percent, caps.cpuPercent),
    maxProcesses: pick(m?.max_processes, caps.maxProcesses),
    maxOpenFiles: caps.maxOpenFiles,
  };
}

type Controller = "memory" | "cpu" | "pids";
const CONTROLLERS: Controller[] = ["memory", "cpu", "pids"];

/** Where the daemon itself sits in one controller's hierarchy. */
interface OwnCgroup {
  version: 1 | 2;
  /** The daemon's own cgroup directory in that hierarchy (agents' groups are created below it). */
  dir: string;
}

export interface LimitSupport {
  /** Per controller, the hierarchy we can create children in; absent: not usable. */
  controllers: Partial<Record<Controller, OwnCgroup>>;
  prlimit: string | null;
  root: boolean;
  /** The daemon's hard RLIMIT_NOFILE (an unprivileged process cannot go above it); null: unlimited/unknown. */
  nofileHard: number | null;
  /** What was found, in words (doctor). */
  found: string[];
}

/** The machine, as detection reads it (injected in tests). */
export interface DetectInput {
  mountinfo: string;
  /** /proc/self/cgroup */
  selfCgroup: string;
  /** /proc/self/limits */
  selfLimits: string;
  uid: number | null;
  prlimit: string | null;
  read(path: string): string | null;
  writable(dir: string): boolean;
}

interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  /** The hierarchy path the mount shows (not "/" inside some containers). */
  root: string;
  /** v1: the controllers bound to it. */
  options: string[];
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const f = left.split(" ");
    const [fstype, , superOpts = ""] = right.split(" ");
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    out.push({ version: fstype === "cgroup2" ? 2 : 1, mountPoint: unescapeMount(f[4] ?? ""), root: unescapeMount(f[3] ?? "/"), options: superOpts.split(",") });
  }
  return out;
}

/** `hierarchy-id:controllers:path` lines → controller (or "" for v2) → path. */
export function parseSelfCgroup(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === "0" && match[2] === "") m.set("", match[3]!);
    else for (const c of match[2]!.split(",")) if (c) m.set(c, match[3]!);
  }
  return m;
}

function dirOf(mount: CgroupMount, path: string): string {
  const rel = mount.root !== "/" && (path === mount.root || path.startsWith(`${mount.root}/`)) ? path.slice(mount.root.length) : path;
  return join(mount.mountPoint, rel).replace(/(.)\/+$/, "$1");
}

function hardNofile(limits: string): number | null {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(limits);
  if (!m || m[1] === "unlimited") return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/** Pure: which controllers are usable, from what the machine shows. Creates nothing. */
export function detectFrom(input: DetectInput): LimitSupport {
  const mounts = parseCgroupMounts(input.mountinfo);
  const self = parseSelfCgroup(input.selfCgroup);
  const controllers: LimitSupport["controllers"] = {};
  const found: string[] = [];
  const v2 = mounts.find((m) => m.version === 2);
  const v2Path = self.get("");
  if (v2 && v2Path !== undefined) {
    const dir = dirOf(v2, v2Path);
    const available = (input.read(join(dir, "cgroup.controllers")) ?? "").trim().split(/\s+/).filter(Boolean);
    const usable = input.writable(dir) ? CONTROLLERS.filter((c) => available.includes(c)) : [];
    for (const c of usable) controllers[c] = { version: 2, dir };
    found.push(`cgroup v2 at ${dir}: ${usable.length ? `${usable.join(", ")} usable` : available.length ? `not writable (controllers ${available.join(" ")})` : "no controllers delegated"}`);
  }
  for (const c of CONTROLLERS) {
    if (controllers[c]) continue;
    const mount = mounts.find((m) => m.version === 1 && m.options.includes(c));
    const path = self.get(c);
    if (!mount || path === undefined) continue;
    const dir = dirOf(mount, path);
    if (input.writable(dir)) {
      controllers[c] = { version: 1, dir };
      found.push(`cgroup v1 ${c} at ${dir}: writable`);
    } else found.push(`cgroup v1 ${c} at ${dir}: not writable`);
  }
  if (!mounts.length) found.push("no cgroup file system mounted");
  found.push(input.prlimit ? `prlimit at ${input.prlimit}` : "prlimit not installed");
  return { controllers, prlimit: input.prlimit, root: input.uid === 0, nofileHard: hardNofile(input.selfLimits), found };
}

const readOrNull = (p: string): string | null => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
};

function whichPrlimit(): string | null {
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":").concat(["/usr/bin", "/bin"])) {
    const p = join(dir, "prlimit");
    if (existsSync(p)) return p;
  }
  return null;
}

let cached: LimitSupport | undefined;

/** This machine, detected once per process (`refresh` for doctor and tests). Linux only; elsewhere nothing. */
export function detectLimitSupport(refresh = false): LimitSupport {
  if (cached && !refresh) return cached;
  if (process.platform !== "linux") return (cached = { controllers: {}, prlimit: null, root: false, nofileHard: null, found: [`resource limits are not implemented on ${process.platform}`] });
  return (cached = detectFrom({
    mountinfo: readOrNull("/proc/self/mountinfo") ?? "",
    selfCgroup: readOrNull("/proc/self/cgroup") ?? "",
    selfLimits: readOrNull("/proc/self/limits") ?? "",
    uid: typeof process.getuid === "function" ? process.getuid() : null,
    prlimit: whichPrlimit(),
    read: readOrNull,
    writable: (dir) => {
      try {
        accessSync(dir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  }));
}

const mechanismOf = (c: OwnCgroup | undefined): LimitMechanism | null => (c ? (c.version === 2 ? "cgroup-v2" : "cgroup-v1") : null);

/** Pure: what would be enforced, and how, for these limits on a machine like `support`. */
export function decideLimits(limits: ResourceLimits, support: LimitSupport): LimitsView {
  const notes: string[] = [];
  const memory = mechanismOf(support.controllers.memory);
  const cpu = mechanismOf(support.controllers.cpu);
  let processes = mechanismOf(support.controllers.pids);
  if (!memory) notes.push("memory is not limited: no writable cgroup memory controller here (an address-space rlimit would break the BEAM)");
  if (!cpu) notes.push("CPU is not limited: no writable cgroup cpu controller here");
  if (!processes) {
    if (!support.prlimit) notes.push("processes are not limited: no writable cgroup pids controller and no prlimit");
    else if (support.root) notes.push("processes are not limited: no writable cgroup pids controller, and RLIMIT_NPROC is not enforced for root");
    else {
      processes = "rlimit";
      notes.push("processes: RLIMIT_NPROC counts every process of your user, so it is set to what your user runs now plus the agent's maximum");
    }
  }
  const rl: LimitMechanism | null = support.prlimit ? "rlimit" : null;
  if (!rl) notes.push("open files and core dumps are not limited: prlimit (util-linux) is not installed");
  const maxOpenFiles = support.root || support.nofileHard === null ? limits.maxOpenFiles : Math.min(limits.maxOpenFiles, support.nofileHard);
  return { ...limits, maxOpenFiles, enforced: { memory, cpu, processes, openFiles: rl, coreDumps: rl }, notes };
}

/** The group all agents of one data directory share, in every hierarchy. */
export function cgroupGroupName(dataHome: string): string {
  return `opensentience-${createHash("sha256").update(dataHome).digest("hex").slice(0, 12)}`;
}

/** The running agent's side of its limits. */
export interface AgentLimits {
  /** What is enforced for this run (may be less than `decideLimits` promised if a cgroup could not be made). */
  view: LimitsView;
  /** cgroup.procs files the agent joins before it runs. */
  procsFiles: string[];
  /** `argv` prefixed with the cgroup join step and prlimit (unchanged when there is nothing to do). */
  command(argv: string[]): string[];
  /** OOM kills in the agent's memory cgroup so far (0 without one). */
  oomKills(): number;
  /** After the process ended: the OOM count, then kills whatever is left in the cgroups and removes them. */
  release(): { oomKills: number };
}

/** File operations on cgroupfs (a temp tree in tests). */
export interface CgroupFs {
  write(path: string, value: string): void;
  read(path: string): string | null;
  mkdir(path: string): void;
  rmdir(path: string): void;
  exists(path: string): boolean;
  kill(pid: number): void;
  /** Sub-directories (child cgroups) with their age; [] when unreadable. */
  children(dir: string): Array<{ name: string; ageMs: number }>;
}

export const realCgroupFs: CgroupFs = {
  write: (p, v) => writeFileSync(p, v),
  read: readOrNull,
  mkdir: (p) => mkdirSync(p, { recursive: true }),
  rmdir: (p) => rmdirSync(p),
  exists: existsSync,
  kill: (pid) => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  },
  children: (dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => ({ name: e.name, ageMs: Date.now() - statSync(join(dir, e.name)).ctimeMs }));
    } catch {
      return [];
    }
  },
};

/** A live agent joins its fresh cgroup within milliseconds; an empty one older than this was left behind. */
const LEAK_AGE_MS = 120_000;

/**
 * Removes agent cgroups (of any data directory) that a daemon killed with -9
 * left behind: empty, and older than LEAK_AGE_MS — never one with a process in
 * it — then the groups that became empty. Runs once per process, at the first
 * applyLimits, so leftovers do not pile up across daemon crashes.
 */
export function sweepLeakedCgroups(support: LimitSupport, fs: CgroupFs = realCgroupFs): number {
  let removed = 0;
  for (const own of new Set(Object.values(support.controllers).map((c) => c.dir))) {
    for (const g of fs.children(own).filter((c) => c.name.startsWith("opensentience-") && !c.name.endsWith("-daemon"))) {
      const group = join(own, g.name);
      for (const a of fs.children(group)) {
        if (a.ageMs < LEAK_AGE_MS || pidsIn(fs, join(group, a.name)).length > 0) continue;
        try {
          fs.rmdir(join(group, a.name));
          removed++;
        } catch {
          // busy: still in use
        }
      }
      if (g.ageMs >= LEAK_AGE_MS && fs.children(group).length === 0) {
        try {
          fs.rmdir(group);
        } catch {
          // in use again
        }
      }
    }
  }
  return removed;
}

let swept = false;

/** The join step: writes its own pid into each file, then execs the rest. */
const JOIN_SCRIPT = 'p=$$; for f do if [ "$f" = -- ]; then shift; break; fi; echo "$p" > "$f" || { echo "opensentience: cannot join cgroup $f" >&2; exit 125; }; shift; done; exec "$@"';

const CPU_PERIOD_US = 100_000;

function limitFiles(c: Controller, version: 1 | 2, l: ResourceLimits): Array<[string, string, boolean]> {
  const bytes = String(l.memoryMb * 1024 * 1024);
  // [file, value, required]
  if (c === "memory") return version === 2 ? [["memory.max", bytes, true], ["memory.swap.max", "0", false]] : [["memory.limit_in_bytes", bytes, true], ["memory.memsw.limit_in_bytes", bytes, false]];
  if (c === "cpu") {
    const quota = String(Math.max(1000, Math.round((l.cpuPercent / 100) * CPU_PERIOD_US)));
    return version === 2 ? [["cpu.max", `${quota} ${CPU_PERIOD_US}`, true]] : [["cpu.cfs_period_us", String(CPU_PERIOD_US), true], ["cpu.cfs_quota_us", quota, true]];
  }
  return [["pids.max", String(l.maxProcesses), true]];
}

const pidsIn = (fs: CgroupFs, dir: string): number[] =>
  (fs.read(join(dir, "cgroup.procs")) ?? "")
    .split("\n")
    .map(Number)
    .filter((n) => n > 0 && n !== process.pid);

/** Kills what is in a cgroup and removes it; a few quick retries while the killed tasks exit. */
function removeCgroup(fs: CgroupFs, dir: string): boolean {
  for (let i = 0; i < 50 && fs.exists(dir); i++) {
    for (const pid of pidsIn(fs, dir)) fs.kill(pid);
    try {
      fs.rmdir(dir);
      return true;
    } catch {
      Bun.sleepSync(10);
    }
  }
  return !fs.exists(dir);
}

/**
 * cgroup v2: children get a controller only if their parent's
 * cgroup.subtree_control enables it, which the kernel refuses (EBUSY) while
 * the parent holds processes ("no internal processes"). When the daemon is the
 * only process of its cgroup (a service with Delegate=yes) it moves itself into
 * a leaf first — once, and only with `moveSelf` (the daemon; never doctor).
 */
function enableV2(fs: CgroupFs, own: string, group: string, c: Controller, moveSelf: boolean): boolean {
  const enabled = (dir: string) => (fs.read(join(dir, "cgroup.subtree_control")) ?? "").split(/\s+/).includes(c);
  const enable = (dir: string) => {
    if (enabled(dir)) return true;
    try {
      fs.write(join(dir, "cgroup.subtree_control"), `+${c}`);
      return true;
    } catch {
      return false;
    }
  };
  if (!enable(own)) {
    if (!moveSelf || pidsIn(fs, own).length > 0) return false;
    try {
      const leaf = join(own, `${group}-daemon`);
      fs.mkdir(leaf);
      fs.write(join(leaf, "cgroup.procs"), String(process.pid));
    } catch {
      return false;
    }
    if (!enable(own)) return false;
  }
  fs.mkdir(join(own, group));
  return enable(join(own, group));
}

export interface ApplyOptions {
  support: LimitSupport;
  /** `cgroupGroupName(dataHome)`. */
  group: string;
  fs?: CgroupFs;
  /** cgroup v2 only: may the daemon move itself into a leaf to delegate controllers (see enableV2). */
  moveSelf?: boolean;
  /** Tasks (processes and threads) our user runs now: the base of an RLIMIT_NPROC fallback. */
  userTasks?: () => number;
}

/** Tasks of our real uid, from /proc (what RLIMIT_NPROC counts). */
export function countUserTasks(): number {
  const uid = typeof process.getuid === "function" ? process.getuid() : -1;
  let n = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const status = readOrNull(`/proc/${e}/status`);
    if (!status || Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
    n += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return n;
}

/**
 * Creates the agent's cgroups with its limits (replacing a stale one left by a
 * crashed daemon), and returns how to start the agent inside them. Never
 * throws: a limit that cannot be set is reported as not enforced in the view.
 * `pid` is not an input on purpose: the agent joins its cgroups itself before
 * it runs (`command`), see the file comment.
 */
export function applyLimits(agentId: string, limits: ResourceLimits, o: ApplyOptions): AgentLimits {
  const fs = o.fs ?? realCgroupFs;
  if (!swept && !o.fs) {
    swept = true;
    sweepLeakedCgroups(o.support, fs);
  }
  const view = decideLimits(limits, o.support);
  const dirs = new Map<Controller, { dir: string; version: 1 | 2 }>();
  const key = { memory: "memory", cpu: "cpu", pids: "processes" } as const;
  for (const c of CONTROLLERS) {
    const own = o.support.controllers[c];
    if (!own) continue;
    const dir = join(own.dir, o.group, agentId);
    try {
      if (own.version === 2 && !enableV2(fs, own.dir, o.group, c, o.moveSelf ?? false)) throw new Error(`the ${c} controller cannot be delegated to ${join(own.dir, o.group)}`);
      // Hierarchies are shared (v2, or cpu,cpuacct co-mounted): one directory per path.
      const existing = [...dirs.values()].find((d) => d.dir === dir);
      if (!existing) {
        if (fs.exists(dir) && !removeCgroup(fs, dir)) throw new Error(`a previous cgroup ${dir} cannot be removed`);
        fs.mkdir(dir);
      }
      for (const [file, value, required] of limitFiles(c, own.version, limits)) {
        try {
          fs.write(join(dir, file), value);
        } catch (e) {
          if (required) throw e;
        }
      }
      dirs.set(c, { dir, version: own.version });
    } catch (e) {
      view.enforced[key[c]] = null;
      view.notes.push(`${key[c]} not limited: ${(e as Error).message}`);
    }
  }
  // Without a pids cgroup, processes fall back to RLIMIT_NPROC when decideLimits chose it.
  if (!dirs.has("pids") && view.enforced.processes !== "rlimit" && o.support.prlimit && !o.support.root) {
    view.enforced.processes = "rlimit";
  }
  const procsFiles = [...new Set([...dirs.values()].map((d) => join(d.dir, "cgroup.procs")))];
  const rlimits = o.support.prlimit
    ? [o.support.prlimit, "--core=0", `--nofile=${view.maxOpenFiles}`, ...(view.enforced.processes === "rlimit" ? [`--nproc=${(o.userTasks ?? countUserTasks)() + view.maxProcesses}`] : []), "--"]
    : [];
  const mem = dirs.get("memory");
  const oomKills = () => {
    if (!mem) return 0;
    const text = fs.read(join(mem.dir, mem.version === 2 ? "memory.events" : "memory.oom_control")) ?? "";
    const m = /^oom_kill (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  };
  let released = false;
  return {
    view,
    procsFiles,
    command: (argv) => [...(procsFiles.length ? ["/bin/sh", "-c", JOIN_SCRIPT, "opensentience-limits", ...procsFiles, "--"] : []), ...rlimits, ...argv],
    oomKills,
    release() {
      const n = oomKills();
      if (!released) {
        released = true;
        for (const d of new Set([...dirs.values()].map((x) => x.dir))) {
          removeCgroup(fs, d);
          // The data directory's group goes too once its last agent is gone (it is made again on demand).
          try {
            fs.rmdir(dirname(d));
          } catch {
            // other agents still run in it
          }
        }
      }
      return { oomKills: n };
    },
  };
}

/** The operator's caps from config `limits` (one place for the names). */
export function capsFromConfig(l: { agent_memory_mb: number; agent_cpu_percent: number; agent_max_processes: number; agent_max_open_files: number }): ResourceLimits {
  return { memoryMb: l.agent_memory_mb, cpuPercent: l.agent_cpu_percent, maxProcesses: l.agent_max_processes, maxOpenFiles: l.agent_max_open_files };
}
