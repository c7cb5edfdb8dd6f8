/**
 * The sandbox of an agent's BUILD (`mix deps.get`, `mix compile`): pure data,
 * like plan.ts, and turned into argv by the same bwrap.ts. Building evaluates
 * third-party code (mix.exs, macros, dependencies' mix.exs), so it gets:
 *
 *   - an empty root with a private /tmp, /proc and /dev;
 *   - the system read-only (/usr, /etc/alternatives …): builds start programs
 *     (git for dependencies, a C compiler for NIFs), so there is no exec rule;
 *   - the toolchain, MIX_HOME, HEX_HOME and the SDK read-only;
 *   - an empty, private HOME (a tmpfs at the builds' HOME path);
 *   - the build directory read-write — the only writable place that survives;
 *   - local dependencies (`path:` and `file://` git) read-only, and only when
 *     the agent's own source is on this machine (see `checkLocalDep`);
 *   - the host network for `mix deps.get` (git dependencies), none at all for
 *     `mix compile`.
 *
 * Nothing else: not the user's home, not the data directory (admin.token,
 * catalog.db, other agents, logs), not the rest of /etc.
 */
import { isAbsolute, normalize, relative, resolve } from "node:path";
import type { Mount, SandboxPlan } from "./plan.ts";

export type BuildStep = "deps.get" | "compile";

export interface LocalDep {
  /** As named in mix.exs / mix.lock, made absolute against the build directory. */
  path: string;
  /** realpath on the host; null when it does not exist. */
  real: string | null;
  /** What is there: a git repository (for `git: "file://…"`), a Mix project (for `path:`), or neither. */
  kind: "git" | "mix" | "other";
}

export interface BuildSandboxContext {
  agentId: string;
  /** Where mix runs: `agents/<id>/next` (remote) or the local checkout (dev mode). */
  buildDir: string;
  /** The OpenSentience data directory: hidden, except the pieces named here. */
  dataHome: string;
  userHome: string;
  /** The builds' HOME path (agent-env's toolchainDirs().home): mounted as an empty tmpfs. */
  home: string;
  /** Read-only trees: Erlang/Elixir roots and libraries, MIX_HOME, HEX_HOME, the SDK. */
  readOnly: string[];
  /** System trees and files programs need (/usr, /etc/alternatives, /etc/passwd, ld.so.cache). */
  system: string[];
  /** resolv.conf, hosts, CA certificates: for the step that has the network. */
  networkFiles: string[];
  /** Merged-/usr symlinks (/lib → usr/lib …). */
  symlinks: Array<{ target: string; source: string }>;
  /** Local dependencies the project names (looked up by the caller). */
  localDeps: LocalDep[];
  /** The agent's source is on this machine (a local checkout or a file:// repository): local dependencies may be shown. */
  allowLocalDeps: boolean;
}

const within = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

/**
 * Whether a local dependency may be shown (read-only) to the build. A registry
 * agent's mix.exs could name any path — `~/.ssh`, another project — and read it
 * while `deps.get` has the network, so: only for agents whose source is local,
 * only a real git repository or Mix project, never through a symlink, never the
 * filesystem root, the data directory, or anything containing the user's home.
 */
export function checkLocalDep(dep: LocalDep, ctx: Pick<BuildSandboxContext, "dataHome" | "userHome" | "allowLocalDeps" | "buildDir">): { ok: true } | { ok: false; reason: string } {
  if (!ctx.allowLocalDeps) return { ok: false, reason: "local dependencies are shown only to agents whose source is on this machine" };
  if (dep.real === null) return { ok: false, reason: "does not exist" };
  if (dep.real !== dep.path) return { ok: false, reason: `resolves through a symlink to ${dep.real}` };
  if (dep.path === "/") return { ok: false, reason: "the whole filesystem cannot be shown" };
  if (within(dep.path, ctx.dataHome) || within(ctx.dataHome, dep.path)) return { ok: false, reason: "the OpenSentience data directory is never visible to builds" };
  if (within(ctx.userHome, dep.path)) return { ok: false, reason: "contains your home directory" };
  if (within(dep.path, ctx.buildDir)) return { ok: false, reason: "inside the build directory (already visible)" };
  if (dep.kind === "other") return { ok: false, reason: "neither a git repository nor a Mix project" };
  return { ok: true };
}

/**
 * Paths a Mix project names as local dependencies, read as TEXT (mix.exs is
 * never evaluated here): `path: "…"` and `git: "file://…"` string literals in
 * mix.exs, and `{:git, "file://…"` entries in mix.lock. Relative paths are
 * resolved against the build directory. A path computed at run time is not
 * seen; that dependency then fails to resolve inside the sandbox.
 */
export function localDepPaths(mixExs: string, mixLock: string, buildDir: string): string[] {
  const found = new Set<string>();
  const add = (p: string) => {
    if (!p || p.includes("\0")) return;
    found.add(normalize(resolve(buildDir, p)).replace(/(.)\/+$/, "$1"));
  };
  for (const m of mixExs.matchAll(/\bpath:\s*"([^"\\#]{1,4096})"/g)) add(m[1]!);
  for (const text of [mixExs, mixLock]) for (const m of text.matchAll(/"file:\/\/([^"\\#]{1,4096})"/g)) add(m[1]!);
  return [...found].sort();
}

const dedupe = (paths: string[], under: string[]) => [...new Set(paths)].filter((p) => !under.some((u) => u !== p && within(p, u)));

/** The plan of one build step: what `mix <step>` sees, where it may write, and its network. */
export function buildPlan(ctx: BuildSandboxContext, step: BuildStep): SandboxPlan {
  const mounts: Mount[] = [
    { kind: "proc", target: "/proc", reason: "own process namespace" },
    { kind: "dev", target: "/dev", reason: "minimal devices (null, zero, random, tty)" },
    { kind: "tmpfs", target: "/tmp", reason: "private /tmp" },
  ];
  for (const l of ctx.symlinks) mounts.push({ kind: "symlink", source: l.source, target: l.target, reason: "system layout" });
  for (const t of dedupe(ctx.system, [])) mounts.push({ kind: "ro", source: t, target: t, reason: "system programs (git, compilers)" });
  for (const t of dedupe(ctx.readOnly, ctx.system)) mounts.push({ kind: "ro", source: t, target: t, reason: "Erlang/Elixir toolchain, MIX_HOME, HEX_HOME, SDK (read-only)" });
  const network = step === "deps.get" ? ({ mode: "host" } as const) : ({ mode: "none" } as const);
  if (network.mode === "host") for (const f of ctx.networkFiles) mounts.push({ kind: "ro", source: f, target: f, reason: "name resolution and CA certificates (deps.get only)" });
  const refused: SandboxPlan["refused"] = [];
  for (const dep of ctx.localDeps) {
    const c = checkLocalDep(dep, ctx);
    if (c.ok) mounts.push({ kind: "ro", source: dep.path, target: dep.path, reason: `local dependency (${dep.kind === "git" ? "file:// git repository" : "path:"}), read-only` });
    else if (!within(dep.path, ctx.buildDir)) refused.push({ permission: `dependency ${dep.path}`, reason: c.reason });
  }
  mounts.push({ kind: "tmpfs", target: ctx.home, reason: "private, empty HOME" });
  mounts.push({ kind: "rw", source: ctx.buildDir, target: ctx.buildDir, reason: "the build directory (the only writable place)" });
  return { agentId: ctx.agentId, mounts, network, spawn: true, execAllow: [], env: { HOME: ctx.home, TMPDIR: "/tmp" }, refused };
}

/** Which step a build command is; anything unknown gets the stricter (no network) plan. */
export function stepOf(cmd: readonly string[]): BuildStep {
  return cmd[0] === "mix" && cmd[1] === "deps.get" ? "deps.get" : "compile";
}
