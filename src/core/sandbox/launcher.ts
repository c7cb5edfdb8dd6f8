/**
 * How an agent is started under the configured sandbox policy:
 *
 *   off       never sandboxed;
 *   auto      sandboxed when bubblewrap works here, otherwise started as before
 *             with a loud warning (daemon log, doctor, the agent page, `agents info`);
 *   required  refuses to start (and to build) without the sandbox.
 *
 * `describe` answers "what would this agent get" without starting anything
 * (the UI and `agents info`); `prepare` returns the argv/env to spawn plus the
 * egress proxy to stop when the process ends.
 */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { AppError } from "../errors.ts";
import { parsePermission } from "../manifest/permissions.ts";
import { type LaunchTools, sandboxArgv } from "./bwrap.ts";
import { type AgentLimits, applyLimits, cgroupGroupName, decideLimits, detectLimitSupport, effectiveLimits, type LimitSupport, type LimitsView, type ManifestLimits, type ResourceLimits } from "./limits.ts";
import { macosProfile } from "./macos-profile.ts";
import { type SandboxPlan, sandboxPlan } from "./plan.ts";
import { type SandboxSupport, sandboxSupport, type Toolchain } from "./probe.ts";

export type SandboxPolicy = "required" | "auto" | "off";

export interface SandboxView {
  policy: SandboxPolicy;
  /** True when the agent runs (or would run) inside the sandbox. */
  sandboxed: boolean;
  /** Why not, when it is not (policy off, bwrap missing …). */
  reason: string | null;
  /** The exact mounts, network mode and exec rule; null when not sandboxed. */
  plan: SandboxPlan | null;
  /** Memory, CPU, process and file limits, and how each is enforced here (sandboxed or not); null when not configured. */
  limits: LimitsView | null;
}

export interface LaunchInput {
  agentId: string;
  installPath: string;
  devMode: boolean;
  approved: readonly string[];
  argv: string[];
  env: Record<string, string>;
  /** The manifest's `execution_limits` (capped by the operator's `limits.agent_*`). */
  manifest?: ManifestLimits | null;
}

export interface Prepared {
  argv: string[];
  env: Record<string, string>;
  view: SandboxView;
  /** Where the egress proxy must listen for this run (proxy network mode), else null. */
  egress: { socketPath: string; allow: string[] } | null;
  /** The run's cgroups: `release()` once the process has ended (reports OOM kills, removes them). */
  limits: AgentLimits | null;
}

export interface SandboxDeps {
  policy: SandboxPolicy;
  dataHome: string;
  agentsDir: string;
  runDir: string;
  hubSocket: string;
  /** Read-only trees the agent's build output needs at run time (MIX_HOME, the SDK). */
  buildTrees: string[];
  userHome?: string;
  support?: () => SandboxSupport;
  /** How this program runs again inside the sandbox (for the Landlock exec step). */
  self?: { argv: string[]; files: string[] };
  /** Resource limits (limits.ts): the operator's caps, each agent's manifest limits, what the machine supports. */
  resources?: {
    caps: ResourceLimits;
    manifestOf?: (agentId: string) => ManifestLimits | null | undefined;
    support?: () => LimitSupport;
    /** cgroup v2: the daemon may move itself into a leaf cgroup to delegate controllers (limits.ts enableV2). */
    moveSelf?: boolean;
  };
}

/**
 * How to run this program again inside the sandbox (for the Landlock exec
 * step): the single binary, or — in development — bun with src/main.ts, and
 * the files that must be visible there for that to work.
 */
export function selfCommand(): { argv: string[]; files: string[] } {
  const compiled = import.meta.dir.startsWith("/$bunfs") || import.meta.dir.includes("~BUN");
  if (compiled) return { argv: [process.execPath], files: [realpathSync(process.execPath)] };
  const src = resolve(import.meta.dir, "../..");
  // The step runs in the agent's directory: bun must not read its bunfig.toml (a `preload` would run the agent's
  // code before Landlock is on) or its .env files. The compiled binary is built not to (scripts/build.ts).
  return { argv: [process.execPath, "--no-env-file", "--config=/dev/null", join(src, "main.ts")], files: [realpathSync(process.execPath), src] };
}

const realOrNull = (p: string): string | null => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};

/**
 * Without `process:spawn`, `mix` and `erl` cannot be reached through their
 * shell scripts (no shell is visible or executable): start ERTS directly, as
 * the `elixir` and `erl` scripts would.
 */
export function directMixCommand(argv: string[], tc: Toolchain): { argv: string[]; env: Record<string, string> } | null {
  const env = { ROOTDIR: tc.erlangRoot, BINDIR: tc.ertsBin, EMU: "beam", PROGNAME: "erl" };
  // A compiled launch (runtime/agent-command.ts): already an erl command line.
  if (argv[0] === "erl") return { argv: [join(tc.ertsBin, "erlexec"), ...argv.slice(1)], env };
  if (argv[0] !== "mix") return null;
  return {
    argv: [join(tc.ertsBin, "erlexec"), "-pa", ...tc.elixirEbins, "-noshell", "-s", "elixir", "start_cli", "-extra", tc.mixScript, ...argv.slice(1)],
    env,
  };
}

export class SandboxLauncher {
  constructor(private readonly d: SandboxDeps) {}

  private support(): SandboxSupport {
    return (this.d.support ?? sandboxSupport)();
  }

  /** Whether this agent runs sandboxed under the policy, and why not. */
  private decide(): { sandboxed: boolean; reason: string | null; support: SandboxSupport } {
    const support = this.support();
    if (this.d.policy === "off") return { sandboxed: false, reason: "sandbox: off in config.json", support };
    if (support.available) return { sandboxed: true, reason: null, support };
    return { sandboxed: false, reason: support.reason ?? "the sandbox is not available", support };
  }

  plan(agentId: string, installPath: string, devMode: boolean, approved: readonly string[], support: SandboxSupport): SandboxPlan {
    const tc = support.toolchain!;
    const realpaths: Record<string, string | null> = {};
    const userHome = this.d.userHome ?? homedir();
    for (const p of approved) {
      const r = parsePermission(p);
      if (r.ok && r.permission.category === "filesystem") {
        const t = r.permission.target;
        realpaths[t] = realOrNull(t === "~" ? userHome : t.startsWith("~/") ? join(userHome, t.slice(2)) : t);
      }
    }
    const dataDir = join(this.d.agentsDir, agentId, "data");
    const plan = sandboxPlan(approved, {
      agentId,
      installPath,
      dataDir,
      hubSocket: this.d.hubSocket,
      egressSocket: join(this.d.runDir, "egress", `${agentId}.sock`),
      dataHome: this.d.dataHome,
      userHome,
      toolchain: [tc.erlangRoot, tc.elixirRoot, ...tc.libDirs, ...this.d.buildTrees.filter((t) => existsSync(t))],
      spawnSystem: support.spawnSystem,
      networkFiles: support.networkFiles,
      runtimeExecutables: ["erlexec", "beam.smp", "erl_child_setup", "inet_gethost"].map((f) => join(tc.ertsBin, f)),
      symlinks: support.symlinks,
      realpaths,
    });
    if (!plan.spawn && support.landlockAbi === 0) {
      // Without Landlock the only thing keeping programs out is the view (no shell or system binaries in it).
      plan.execAllow = [];
      plan.refused.push({ permission: "(no process:spawn)", reason: "only partly enforced: this kernel has no Landlock, so a program the agent writes itself could still run (no system programs are visible)" });
    }
    // A local checkout under development may be recompiled by `mix run`: its own directory stays writable.
    if (devMode) for (const m of plan.mounts) if (m.target === installPath && m.kind === "ro") Object.assign(m, { kind: "rw", reason: "the agent's code (local checkout in dev mode: mix may recompile it)" });
    return plan;
  }

  private limitsFor(agentId: string, manifest: ManifestLimits | null | undefined): { limits: ResourceLimits; support: LimitSupport } | null {
    const r = this.d.resources;
    if (!r) return null;
    return { limits: effectiveLimits(manifest === undefined ? r.manifestOf?.(agentId) : manifest, r.caps), support: (r.support ?? detectLimitSupport)() };
  }

  /** Creates the run's cgroups and wraps argv so the process joins them before it runs (limits.ts). */
  private applyLimits(agentId: string, manifest: ManifestLimits | null | undefined, argv: string[]): { argv: string[]; limits: AgentLimits | null } {
    const l = this.limitsFor(agentId, manifest);
    if (!l) return { argv, limits: null };
    const limits = applyLimits(agentId, l.limits, { support: l.support, group: cgroupGroupName(this.d.dataHome), moveSelf: this.d.resources?.moveSelf });
    return { argv: limits.command(argv), limits };
  }

  /** What the agent gets (or would get) — for the UI, `agents info` and doctor; starts nothing. */
  describe(agentId: string, installPath: string, devMode: boolean, approved: readonly string[]): SandboxView {
    const { sandboxed, reason, support } = this.decide();
    const l = this.limitsFor(agentId, undefined);
    return { policy: this.d.policy, sandboxed, reason, plan: sandboxed ? this.plan(agentId, installPath, devMode, approved, support) : null, limits: l ? decideLimits(l.limits, l.support) : null };
  }

  /** The command to spawn. Throws `forbidden` under `sandbox: required` when the sandbox cannot be used. */
  prepare(input: LaunchInput): Prepared {
    const { sandboxed, reason, support } = this.decide();
    if (!sandboxed) {
      if (this.d.policy === "required") throw new AppError("forbidden", `not starting ${input.agentId}: config.json requires the sandbox, but ${reason}`);
      const wrapped = this.applyLimits(input.agentId, input.manifest, input.argv);
      return { argv: wrapped.argv, env: input.env, view: { policy: this.d.policy, sandboxed: false, reason, plan: null, limits: wrapped.limits?.view ?? null }, egress: null, limits: wrapped.limits };
    }
    const plan = this.plan(input.agentId, input.installPath, input.devMode, input.approved, support);
    mkdirSync(join(this.d.agentsDir, input.agentId, "data"), { recursive: true, mode: 0o700 });
    let argv = input.argv;
    let env = { ...input.env, ...plan.env };
    if (!plan.spawn) {
      const direct = directMixCommand(input.argv, support.toolchain!);
      if (!direct) {
        throw new AppError("forbidden", `not starting ${input.agentId}: a release entrypoint starts through a shell script, which the sandbox allows only with the process:spawn permission`);
      }
      argv = direct.argv;
      env = { ...env, ...direct.env };
    }
    const egress = plan.network.mode === "proxy" ? { socketPath: env.OPENSENTIENCE_EGRESS_SOCKET!, allow: plan.network.allow } : null;
    if (egress) mkdirSync(join(this.d.runDir, "egress"), { recursive: true, mode: 0o700 });
    if (support.sandboxExec) {
      // macOS (untested): the same plan as an SBPL profile; no private /tmp there, so TMPDIR is inside the agent's data dir.
      const tmp = join(this.d.agentsDir, input.agentId, "data", "tmp");
      mkdirSync(tmp, { recursive: true, mode: 0o700 });
      const wrapped = this.applyLimits(input.agentId, input.manifest, [support.sandboxExec, "-p", macosProfile(plan), ...argv]);
      return { argv: wrapped.argv, env: { ...env, TMPDIR: tmp }, view: { policy: this.d.policy, sandboxed: true, reason: null, plan, limits: wrapped.limits?.view ?? null }, egress, limits: wrapped.limits };
    }
    const self = this.d.self ?? selfCommand();
    const tools: LaunchTools = { bwrap: support.bwrap!, self: self.argv, selfFiles: self.files, loader: support.toolchain!.loader, disableUserns: support.disableUserns };
    const wrapped = this.applyLimits(input.agentId, input.manifest, sandboxArgv(plan, argv, input.installPath, tools));
    return { argv: wrapped.argv, env, view: { policy: this.d.policy, sandboxed: true, reason: null, plan, limits: wrapped.limits?.view ?? null }, egress, limits: wrapped.limits };
  }
}
