/**
 * The build step: `mix deps.get` then `mix compile` in an agent's directory.
 * This runs third-party code (mix.exs and macros execute at build time), which
 * is why callers must have the user's explicit confirmation first.
 *
 * Environment: the hardened git environment (so git processes started by
 * `mix deps.get` inherit the protocol allowlist, no hooks, no submodules, no
 * prompts) plus:
 * - agent-env.ts's `mixVars` (MIX_ENV=prod, MIX_HOME, HEX_HOME, the SDK path), the
 *   same variables the runtime launches with, so mix does not recompile (or
 *   refuse) at launch; `only: :dev/:test` dependencies are never fetched.
 * - HEX_OFFLINE=1 and a private HOME inside the data directory.
 * - OPENSENTIENCE_SDK_PATH (agents depend on the SDK by path): agent-env's `sdkPath`.
 * Output is redacted line by line into `agents/<id>/build.log` (one LineRedactor
 * per stream and command, so a PEM key printed over several lines is masked whole).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { mixVars, toolchainDirs } from "../agent-env.ts";
import type { DataPaths } from "../config/paths.ts";
import { hardenedEnv } from "../git/env.ts";
import { runBounded } from "../git/process.ts";
import { LineRedactor } from "../redact.ts";
import { removePath } from "./safe-paths.ts";

/** The exact commands a build runs, in order (shown to the user before confirming). */
export const BUILD_COMMANDS: ReadonlyArray<readonly string[]> = [
  ["mix", "deps.get"],
  ["mix", "compile"],
];
const MAX_LOG_BYTES = 8 * 1024 * 1024;
const TAIL_LINES = 20;
/** Longest build-log line kept (the redactor's bound on work per line). */
const MAX_LINE = 65_536;

/** Full environment for `mix` in an agent directory (build, and the runtime's launch). */
export function agentMixEnv(paths: DataPaths, sdkPath: string | null, parent: Record<string, string | undefined> = process.env): Record<string, string> {
  return hardenedEnv({ home: toolchainDirs(paths).home, parent, extra: mixVars(paths, sdkPath) });
}

export interface BuildStepResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Set when the command could not be started at all. */
  error?: string;
}

export interface BuildResult {
  ok: boolean;
  timedOut: boolean;
  steps: BuildStepResult[];
  /** Last lines of output (redacted), for the error message. */
  tail: string[];
  logPath: string;
  durationMs: number;
}

export interface BuildOptions {
  dir: string;
  env: Record<string, string>;
  /** Deadline for all steps together (`limits.build_timeout_ms`). */
  timeoutMs: number;
  logPath: string;
  onLine?: (line: string) => void;
  onStep?: (command: string) => void;
  /** How each command is really started (the build sandbox, sandbox/build-sandbox.ts); as is by default. */
  wrap?: (cmd: readonly string[]) => string[];
  /** Lines for the top of the log (how the build is confined, or a warning that it is not). */
  notes?: string[];
  /** The commands to run, in order (default BUILD_COMMANDS; `agents test` runs `mix test`). */
  commands?: ReadonlyArray<readonly string[]>;
}

/** Runs BUILD_COMMANDS in `dir`; stops at the first failure. Never throws for a failed build. */
/** Message for a failed build: the reason plus the last lines of output. */
export function buildFailureMessage(id: string, b: BuildResult, timeoutMs: number): string {
  const failed = b.steps[b.steps.length - 1];
  const why = b.timedOut
    ? `did not finish within ${timeoutMs} ms and was killed`
    : failed?.error
      ? failed.error
      : `'${failed?.command}' exited with ${failed?.exitCode ?? failed?.signal}`;
  return `build of ${id} failed: ${why} (log: ${b.logPath})`;
}

export async function runBuild(o: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  removePath(o.logPath); // never write through a planted symlink
  const fd = openSync(o.logPath, "wx", 0o600);
  let logBytes = 0;
  const tail: string[] = [];
  const write = (s: string) => {
    if (logBytes >= MAX_LOG_BYTES) return;
    const b = Buffer.from(s.length + logBytes > MAX_LOG_BYTES ? `${s.slice(0, MAX_LOG_BYTES - logBytes)}\n[log truncated]\n` : s);
    logBytes += b.byteLength;
    writeSync(fd, b);
  };
  const steps: BuildStepResult[] = [];
  let timedOut = false;
  try {
    write(`# opensentience build in ${o.dir}\n# env: MIX_ENV=${o.env.MIX_ENV ?? ""} HEX_OFFLINE=${o.env.HEX_OFFLINE ?? ""}\n`);
    for (const n of o.notes ?? []) write(`${n}\n`);
    const commands = o.commands ?? BUILD_COMMANDS;
    for (const cmd of commands) {
      const command = cmd.join(" ");
      const left = o.timeoutMs - (performance.now() - started);
      if (left <= 0) {
        timedOut = true;
        break;
      }
      o.onStep?.(command);
      write(`\n$ ${command}\n`);
      let r: Awaited<ReturnType<typeof runBounded>>;
      const redactors = { stdout: new LineRedactor({ maxLine: MAX_LINE }), stderr: new LineRedactor({ maxLine: MAX_LINE }) };
      try {
        r = await runBounded(o.wrap ? o.wrap(cmd) : [...cmd], {
          cwd: o.dir,
          env: o.env,
          timeoutMs: Math.max(1, Math.floor(left)),
          maxStdoutBytes: 0,
          onLine: (raw, stream) => {
            const line = redactors[stream].line(raw);
            if (line === null) return; // inside a masked PEM block
            write(`${line}\n`);
            tail.push(line);
            if (tail.length > TAIL_LINES) tail.shift();
            o.onLine?.(line);
          },
        });
      } catch (e) {
        const error = `cannot run ${cmd[0]}: ${(e as Error).message} (is Elixir installed and on PATH?)`;
        write(`# ${error}\n`);
        tail.push(error);
        steps.push({ command, exitCode: null, signal: null, timedOut: false, durationMs: 0, error });
        break;
      }
      steps.push({ command, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs });
      if (r.timedOut) {
        timedOut = true;
        write(`\n# ${command}: killed after the ${o.timeoutMs} ms build deadline\n`);
        break;
      }
      write(`# ${command}: exit ${r.exitCode ?? r.signal}\n`);
      if (r.exitCode !== 0) break;
    }
  } finally {
    closeSync(fd);
  }
  const ok = !timedOut && steps.length === (o.commands ?? BUILD_COMMANDS).length && steps.every((s) => s.exitCode === 0);
  return { ok, timedOut, steps, tail, logPath: o.logPath, durationMs: Math.round(performance.now() - started) };
}
