/**
 * Approved permissions → sandbox plan. Pure data, no I/O: every fact about the
 * machine (where ERTS lives, what a path really resolves to) comes in through
 * `SandboxContext`, so this one function decides what an agent can see and do,
 * and the same plan feeds the launcher (bwrap.ts turns it into argv), the UI,
 * `agents info` and the audit event of each run.
 *
 * The view is built from nothing: an empty root with a private /tmp, /proc and
 * /dev, the toolchain read-only, the agent's install directory read-only, its
 * data directory read-write (its HOME), the hub socket — and then exactly what
 * the approved `filesystem:` permissions name. Paths keep their host names
 * inside the sandbox, so compiled paths (mix, the SDK) stay valid.
 */
import { isAbsolute, normalize, relative, sep } from "node:path";
import { parsePermission } from "../manifest/permissions.ts";
import { parseEgressRule } from "./egress-policy.ts";

export type MountKind = "ro" | "rw" | "tmpfs" | "dev" | "proc" | "symlink" | "socket";

export interface Mount {
  kind: MountKind;
  /** Host path (for binds) or link target (for symlinks). */
  source?: string;
  /** Path inside the sandbox. */
  target: string;
  /** Why it is there, in words (shown in the UI and `agents info`). */
  reason: string;
}

export type NetworkPlan =
  /** Own network namespace, loopback only: nothing leaves the machine. */
  | { mode: "none" }
  /** Own network namespace; only the listed hosts, through the core's egress proxy. */
  | { mode: "proxy"; allow: string[] }
  /** The host's network (`network:egress:*`). */
  | { mode: "host" };

export interface SandboxPlan {
  agentId: string;
  mounts: Mount[];
  network: NetworkPlan;
  /** `process:spawn` approved: the agent may start programs; otherwise only its own runtime may execute. */
  spawn: boolean;
  /** Files the agent may execute when `spawn` is false (the runtime's own executables). */
  execAllow: string[];
  /** Environment added inside the sandbox (HOME, the documented data dir variable, proxy settings). */
  env: Record<string, string>;
  /** Permissions that were approved but are not granted, and why (a symlink, the data directory, …). */
  refused: Array<{ permission: string; reason: string }>;
}

export interface SandboxContext {
  agentId: string;
  /** Where the agent's code lives (read-only inside). */
  installPath: string;
  /** The agent's private writable directory (`agents/<id>/data`): its HOME. */
  dataDir: string;
  /** The hub's Unix socket (the only thing of the data directory besides the agent's own dirs). */
  hubSocket: string;
  /** Where the egress proxy listens for this agent (used when some hosts are approved). */
  egressSocket: string;
  /** The OpenSentience data directory: never visible, whatever is approved. */
  dataHome: string;
  /** The user's home, for `~/` paths. */
  userHome: string;
  /** Read-only toolchain trees: Erlang and Elixir roots, the libraries they link, MIX_HOME, the SDK. */
  toolchain: string[];
  /** Extra read-only trees when the agent may spawn programs (e.g. /usr, /etc): shells and tools need them. */
  spawnSystem: string[];
  /** Read-only files networking needs (resolv.conf, hosts, CA certificates) when the network is not `none`. */
  networkFiles: string[];
  /** Executables the runtime itself needs (erlexec, beam.smp, erl_child_setup, and inet_gethost, which ERTS starts at boot as its name resolver). */
  runtimeExecutables: string[];
  /** Symlinks of a merged-/usr system (e.g. /lib → usr/lib) so the dynamic loader is found. */
  symlinks: Array<{ target: string; source: string }>;
  /**
   * What each `filesystem:` target really is on the host, looked up by the
   * caller (realpath): `null` when it does not exist. A target whose real path
   * differs from its spelling resolves through a symlink and is refused.
   */
  realpaths: Record<string, string | null>;
}

/** Inside the sandbox, where the agent's private data directory is also announced (documented for agent authors). */
export const DATA_DIR_ENV = "OPENSENTIENCE_DATA_DIR";
export const EGRESS_SOCKET_ENV = "OPENSENTIENCE_EGRESS_SOCKET";

const within = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

/** `~`/`~/x` → the user's home; anything else must already be absolute. */
export function expandTarget(target: string, userHome: string): string {
  if (target === "~") return normalize(userHome);
  if (target.startsWith("~/")) return normalize(`${userHome}${sep}${target.slice(2)}`);
  return normalize(target);
}

/**
 * Whether a `filesystem:` target may be granted, and as what host path.
 * Refused: `/` (everything), the data directory or anything inside it, paths
 * that do not exist, and paths that resolve through a symlink (the user
 * approved a name; a link could point anywhere, and could be swapped later).
 * A parent of the data directory is granted, with the data directory masked.
 */
export function checkFilesystemTarget(target: string, ctx: Pick<SandboxContext, "userHome" | "dataHome" | "realpaths">): { ok: true; path: string } | { ok: false; reason: string } {
  const path = expandTarget(target, ctx.userHome).replace(/\/+$/, "") || "/";
  if (path === "/") return { ok: false, reason: "the whole filesystem cannot be granted" };
  // The host's kernel views would show every process (and the daemon's command line) and device.
  if (["/proc", "/sys", "/dev"].some((k) => within(path, k))) return { ok: false, reason: `${path} is a kernel interface of the host; the sandbox has its own /proc and /dev` };
  if (within(path, ctx.dataHome)) return { ok: false, reason: "the OpenSentience data directory is never visible to agents" };
  const real = ctx.realpaths[target];
  if (real === undefined || real === null) return { ok: false, reason: `${path} does not exist` };
  if (real !== path) return { ok: false, reason: `${path} resolves through a symlink to ${real}; approve the real path instead` };
  return { ok: true, path };
}

export function sandboxPlan(approved: readonly string[], ctx: SandboxContext): SandboxPlan {
  const refused: SandboxPlan["refused"] = [];
  const grants = new Map<string, "ro" | "rw">();
  const hosts = new Set<string>();
  let anyHost = false;
  let spawn = false;
  for (const p of [...new Set(approved)].sort()) {
    const parsed = parsePermission(p);
    if (!parsed.ok) {
      refused.push({ permission: p, reason: parsed.reason });
      continue;
    }
    const perm = parsed.permission;
    if (perm.category === "filesystem") {
      const c = checkFilesystemTarget(perm.target, ctx);
      if (!c.ok) {
        refused.push({ permission: p, reason: c.reason });
        continue;
      }
      const mode = perm.action === "write" ? "rw" : "ro";
      if (grants.get(c.path) !== "rw") grants.set(c.path, mode);
    } else if (perm.category === "network") {
      if (perm.target === "*") anyHost = true;
      else {
        // The proxy's grammar is stricter than the manifest's (no `foo*.com`, no IPv6): refuse here, not at start.
        const rule = parseEgressRule(perm.target);
        if (rule.ok) hosts.add(perm.target.toLowerCase());
        else refused.push({ permission: p, reason: rule.reason });
      }
    } else if (perm.category === "process") {
      spawn = true;
    }
  }

  const mounts: Mount[] = [
    { kind: "proc", target: "/proc", reason: "own process namespace" },
    { kind: "dev", target: "/dev", reason: "minimal devices (null, zero, random, tty)" },
    { kind: "tmpfs", target: "/tmp", reason: "private /tmp" },
  ];
  for (const l of ctx.symlinks) mounts.push({ kind: "symlink", source: l.source, target: l.target, reason: "system layout" });
  for (const t of ctx.toolchain) mounts.push({ kind: "ro", source: t, target: t, reason: "Erlang/Elixir toolchain" });
  if (spawn) for (const t of ctx.spawnSystem) mounts.push({ kind: "ro", source: t, target: t, reason: "system programs (process:spawn)" });
  const network: NetworkPlan = anyHost ? { mode: "host" } : hosts.size ? { mode: "proxy", allow: [...hosts].sort() } : { mode: "none" };
  if (network.mode !== "none") for (const f of ctx.networkFiles) mounts.push({ kind: "ro", source: f, target: f, reason: "name resolution and CA certificates" });

  // Approved paths, parents before children so a read-only grant inside a writable one stays read-only.
  const byDepth = [...grants.entries()].sort(([a], [b]) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  for (const [path, mode] of byDepth) mounts.push({ kind: mode, source: path, target: path, reason: `approved: filesystem:${mode === "rw" ? "write" : "read"}` });
  // The data directory stays invisible even under an approved parent (e.g. `~`); the agent's own pieces come back on top.
  if (byDepth.some(([path]) => within(ctx.dataHome, path))) {
    mounts.push({ kind: "tmpfs", target: ctx.dataHome, reason: "the OpenSentience data directory is hidden" });
    for (const t of ctx.toolchain.filter((t) => within(t, ctx.dataHome))) mounts.push({ kind: "ro", source: t, target: t, reason: "Erlang/Elixir toolchain" });
  }
  mounts.push({ kind: "ro", source: ctx.installPath, target: ctx.installPath, reason: "the agent's code (read-only)" });
  mounts.push({ kind: "rw", source: ctx.dataDir, target: ctx.dataDir, reason: "the agent's private data (HOME)" });
  mounts.push({ kind: "socket", source: ctx.hubSocket, target: ctx.hubSocket, reason: "the core's agent socket" });

  // PATH is reset too: the user's own (e.g. ~/.cargo/bin) would name directories the agent cannot see anyway.
  const env: Record<string, string> = { HOME: ctx.dataDir, [DATA_DIR_ENV]: ctx.dataDir, TMPDIR: "/tmp", PATH: "/usr/local/bin:/usr/bin:/bin" };
  if (network.mode === "proxy") {
    mounts.push({ kind: "socket", source: ctx.egressSocket, target: ctx.egressSocket, reason: "the core's egress proxy (approved hosts only)" });
    env[EGRESS_SOCKET_ENV] = ctx.egressSocket;
  }
  return { agentId: ctx.agentId, mounts, network, spawn, execAllow: spawn ? [] : [...ctx.runtimeExecutables], env, refused };
}
