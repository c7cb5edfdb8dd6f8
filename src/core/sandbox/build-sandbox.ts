/**
 * The build side of the sandbox policy (config `sandbox`):
 *
 *   required  no build without the sandbox (throws `forbidden` before mix runs);
 *   auto      sandboxed when bubblewrap works here, else built as before with a
 *             warning in the build log, the install progress and its result;
 *   off       never sandboxed.
 *
 * `prepareBuildSandbox` looks at the machine (probe.ts) and the project's local
 * dependencies (as text), then returns how to wrap each build command
 * (build-plan.ts → bwrap.ts). runBuild carries it out.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { AppError } from "../errors.ts";
import { type LaunchTools, sandboxArgv } from "./bwrap.ts";
import { type BuildSandboxContext, type BuildStep, buildPlan, type LocalDep, localDepPaths, stepOf } from "./build-plan.ts";
import type { SandboxPolicy } from "./launcher.ts";
import type { SandboxPlan } from "./plan.ts";
import { type SandboxSupport, sandboxSupport } from "./probe.ts";

export interface BuildSandboxDeps {
  policy: SandboxPolicy;
  dataHome: string;
  /** The builds' private HOME path (toolchainDirs().home). */
  home: string;
  /** MIX_HOME, HEX_HOME, the SDK: visible read-only. */
  readOnly: string[];
  userHome?: string;
  support?: () => SandboxSupport;
}

export interface BuildSandbox {
  sandboxed: boolean;
  /** Set when the build runs WITHOUT the sandbox under `auto` (shown in the log, progress and result). */
  warning: string | null;
  /** Lines for the top of build.log: how the build is confined. */
  notes: string[];
  /** The plan of each step (null when not sandboxed): for the audit trail. */
  plans: Record<BuildStep, SandboxPlan> | null;
  /** Environment additions (HOME, TMPDIR inside the sandbox). */
  env: Record<string, string>;
  /** A build command → the argv to run. */
  wrap(cmd: readonly string[]): string[];
}

const readSmall = (p: string): string => {
  try {
    const st = statSync(p);
    return st.isFile() && st.size <= 1_048_576 ? readFileSync(p, "utf8") : "";
  } catch {
    return "";
  }
};

function lookUp(path: string): LocalDep {
  let real: string | null = null;
  try {
    real = realpathSync(path);
  } catch {
    // absent
  }
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  const kind = real === null ? "other" : isDir(join(path, ".git")) || (existsSync(join(path, "HEAD")) && isDir(join(path, "objects"))) ? "git" : existsSync(join(path, "mix.exs")) ? "mix" : "other";
  return { path, real, kind };
}

/** Whether builds run sandboxed here, and how each command is wrapped. Throws `forbidden` under `required` without a sandbox. */
export function prepareBuildSandbox(d: BuildSandboxDeps, agentId: string, buildDir: string, opts: { allowLocalDeps: boolean }): BuildSandbox {
  const unsandboxed = (warning: string | null, note: string): BuildSandbox => ({ sandboxed: false, warning, notes: [note], plans: null, env: {}, wrap: (cmd) => [...cmd] });
  if (d.policy === "off") return unsandboxed(null, "# sandbox: off (config.json); the build runs with your user's full access");
  const support = (d.support ?? sandboxSupport)();
  if (!support.available || !support.bwrap) {
    const why = support.available ? "the build sandbox needs bubblewrap (Linux)" : (support.reason ?? "the sandbox is not available");
    if (d.policy === "required") throw new AppError("forbidden", `not building ${agentId}: config.json requires the sandbox, but ${why}`);
    const warning = `building ${agentId} WITHOUT the sandbox (${why}): mix.exs and its dependencies run with your user's full access`;
    return unsandboxed(warning, `# WARNING: ${warning}`);
  }
  const tc = support.toolchain!;
  const localDeps = localDepPaths(readSmall(join(buildDir, "mix.exs")), readSmall(join(buildDir, "mix.lock")), buildDir).map(lookUp);
  const ctx: BuildSandboxContext = {
    agentId,
    buildDir,
    dataHome: d.dataHome,
    userHome: d.userHome ?? homedir(),
    home: d.home,
    readOnly: [tc.erlangRoot, tc.elixirRoot, ...tc.libDirs, ...d.readOnly.filter((p) => existsSync(p))],
    system: support.spawnSystem,
    networkFiles: support.networkFiles,
    symlinks: support.symlinks,
    localDeps,
    allowLocalDeps: opts.allowLocalDeps,
  };
  const plans = { "deps.get": buildPlan(ctx, "deps.get"), compile: buildPlan(ctx, "compile") };
  const tools: LaunchTools = { bwrap: support.bwrap!, self: [], selfFiles: [], loader: null };
  const notes = [
    `# sandbox: bubblewrap ${support.bwrapVersion ?? ""}; writable: ${buildDir} only; HOME and /tmp private and empty; deps.get: host network; compile: no network`.replace("  ", " "),
    ...plans["deps.get"].mounts.filter((m) => m.reason.startsWith("local dependency")).map((m) => `# sandbox: visible read-only: ${m.target} (${m.reason})`),
    ...plans["deps.get"].refused.map((r) => `# sandbox: not visible: ${r.permission}: ${r.reason}`),
  ];
  return {
    sandboxed: true,
    warning: null,
    notes,
    plans,
    env: plans.compile.env,
    wrap: (cmd) => sandboxArgv(plans[stepOf(cmd)], [...cmd], buildDir, tools),
  };
}
