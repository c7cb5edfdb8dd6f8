/**
 * `agents test ID` (seed §11.4): runs the installed agent's own `mix test`.
 * That runs the agent's test code, so like a build it needs explicit
 * confirmation, runs with a deadline, in the build sandbox (the `compile`
 * step's plan: no network, only the work directory writable) or — when the
 * sandbox policy allows running without it — in the same scrubbed
 * environment builds get. It runs in a copy of the install (`agents/<id>/test`,
 * removed afterwards), so the installed build is never touched, under the
 * agent's lock (no update or uninstall meanwhile).
 *
 * When the tests pass, `mix opensentience.agent --list-tools` (same sandbox,
 * same copy) lists the tools the compiled agent registers, and they are
 * compared with the manifest's `tool_summary`: a tool in one and not the other
 * makes the run `failed`, naming each (`toolCheck`; the message is also the
 * last line of the stored log tail).
 *
 * The result (pass/fail counts, duration, redacted log tail) is stored as the
 * agent's last test run and audited as `agent.test`. It is a local fact about
 * this machine, separate from any registry's verification level.
 */
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { agentTestRuns, type Actor } from "../../db/schema.ts";
import { toolchainDirs } from "../agent-env.ts";
import { AppError } from "../errors.ts";
import { assertAgentId } from "../approvals/approvals.ts";
import { prepareBuildSandbox } from "../sandbox/build-sandbox.ts";
import { runBuild } from "./build.ts";
import { agentDirs, lockAgent } from "./agent-dirs.ts";
import { type Confirm, confirmed, type InstallerContext } from "./context.ts";
import { readLocalManifest } from "./read-manifest.ts";
import { parseExUnitSummary, type TestCounts } from "./exunit-summary.ts";
import { assertNotSymlink, childDir, removePath } from "./safe-paths.ts";
import { compareToolSummary, LIST_TOOLS_COMMAND, ToolListing, type ToolSummaryCheck, uncheckedToolSummary } from "../scaffold/tool-summary-check.ts";

export const TEST_COMMAND: readonly string[] = ["mix", "test"];

export interface AgentTestPlan {
  agentId: string;
  version: string;
  commitSha: string | null;
  /** The install that is copied and tested. */
  installPath: string;
  /** Where the copy runs (removed afterwards). */
  workDirectory: string;
  commands: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** Config `sandbox`: `required`/`auto` run it in the build sandbox when this machine has one. */
  sandboxPolicy: "required" | "auto" | "off";
}

export interface AgentTestRun {
  agentId: string;
  outcome: "passed" | "failed" | "error" | "timeout";
  /** ExUnit's counts; null when no summary was printed (did not compile, timed out …). */
  tests: number | null;
  failures: number | null;
  skipped: number | null;
  durationMs: number;
  version: string;
  commitSha: string | null;
  sandboxed: boolean;
  /** Last lines of output, redacted. */
  logTail: string[];
  actor: string;
  ranAt: string;
  /** tool_summary against the registered tools; null when not made (tests did not pass, or a run recorded before). */
  toolCheck: ToolSummaryCheck | null;
}

export interface AgentTestOptions {
  actor: Actor;
  correlationId?: string;
  confirm?: Confirm<AgentTestPlan>;
  /** A shorter deadline than `limits.build_timeout_ms` (which caps it). */
  timeoutMs?: number;
}

type Row = typeof agentTestRuns.$inferSelect;
const toRun = (r: Row): AgentTestRun => ({
  agentId: r.agentId,
  outcome: r.outcome,
  tests: r.tests,
  failures: r.failures,
  skipped: r.skipped,
  durationMs: r.durationMs,
  version: r.version,
  commitSha: r.commitSha,
  sandboxed: r.sandboxed,
  logTail: (() => {
    try {
      return JSON.parse(r.logTail) as string[];
    } catch {
      return [];
    }
  })(),
  actor: r.actor,
  ranAt: r.ranAt,
  toolCheck: null, // not stored; the stored tail ends with its message
});

export class AgentTests {
  constructor(private readonly ctx: InstallerContext) {}

  private get d() {
    return this.ctx.d;
  }

  plan(id: string, timeoutMs?: number): AgentTestPlan {
    assertAgentId(id);
    const i = this.d.catalog.installFor(id);
    if (!i) throw new AppError("not_found", `agent '${id}' is not installed (see: opensentience agents install ${id})`);
    if (i.state !== "installed") throw new AppError("conflict", `agent '${id}' is ${i.state}, not installed; only installed agents can be tested`);
    const max = this.d.limits.build_timeout_ms;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) throw new AppError("invalid_argument", "timeout must be a positive number of milliseconds");
    return {
      agentId: id,
      version: this.d.catalog.installedManifest(id)?.version ?? "",
      commitSha: i.commitSha,
      installPath: i.installPath,
      workDirectory: join(agentDirs(this.d.paths.agentsDir, id).root, "test"),
      commands: [TEST_COMMAND.join(" "), LIST_TOOLS_COMMAND.join(" ")],
      env: { ...this.ctx.buildVars(), MIX_ENV: "test" },
      timeoutMs: Math.min(timeoutMs ?? max, max),
      sandboxPolicy: this.d.sandbox ?? "auto",
    };
  }

  last(id: string): AgentTestRun | null {
    const r = this.d.catalog.db.select().from(agentTestRuns).where(eq(agentTestRuns.agentId, id)).get();
    return r ? toRun(r) : null;
  }

  private progress(id: string, step: string, message: string, done?: { ok: boolean }): void {
    this.d.events.emit({ type: "progress", topic: `test:${id}`, agentId: id, step, message, ...(done ? { done: true, ok: done.ok } : {}) });
  }

  /** Runs the tests once confirmed; a failing test is a result (outcome `failed`), not an error. */
  async run(id: string, opts: AgentTestOptions): Promise<AgentTestRun> {
    const plan = this.plan(id, opts.timeoutMs);
    const correlationId = opts.correlationId ?? crypto.randomUUID();
    const audit = (outcome: "ok" | "error" | "denied", details: Record<string, unknown>) =>
      this.d.audit.record({ actor: opts.actor, action: "agent.test", agentId: id, outcome, correlationId, details });
    if (!(await confirmed(opts.confirm, plan))) {
      audit("denied", { reason: "not confirmed" });
      throw new AppError("confirmation_required", `not testing ${id}: 'mix test' runs the agent's own test code and was not confirmed`);
    }
    const dirs = agentDirs(this.d.paths.agentsDir, id);
    const release = lockAgent(dirs, id);
    const work = childDir(dirs.root, "test");
    const logPath = join(dirs.root, "test.log");
    try {
      assertNotSymlink(work, `agents/${id}/test`, true);
      removePath(work);
      this.progress(id, "copy", `copying ${plan.installPath} to ${work}`);
      // Build output and git history are not needed: the test env compiles on its own. Symlinks are copied as links, never followed.
      cpSync(plan.installPath, work, { recursive: true, verbatimSymlinks: true, filter: (src) => !/\/(_build|\.git)$/.test(src) });
      const t = toolchainDirs(this.d.paths);
      for (const p of [t.home, t.mixHome, t.hexHome]) mkdirSync(p, { recursive: true, mode: 0o700 });
      const row = this.d.catalog.installFor(id);
      const sdk = this.ctx.sdkDir();
      const sandbox = prepareBuildSandbox(
        { policy: plan.sandboxPolicy, dataHome: this.d.paths.home, home: t.home, readOnly: [t.mixHome, t.hexHome, ...(sdk ? [sdk] : [])] },
        id,
        work,
        { allowLocalDeps: row?.source === "local" || (row?.gitUrl ?? "").startsWith("file://") },
      );
      if (sandbox.warning) this.progress(id, "test.warning", sandbox.warning);
      this.progress(id, "test.step", TEST_COMMAND.join(" "));
      let counts: TestCounts | null = null;
      const r = await runBuild({
        dir: work,
        env: { ...this.ctx.buildEnv(), MIX_ENV: "test", ...sandbox.env },
        wrap: sandbox.wrap,
        notes: sandbox.notes,
        commands: [TEST_COMMAND],
        timeoutMs: plan.timeoutMs,
        logPath,
        onLine: (line) => {
          counts = parseExUnitSummary(line) ?? counts;
          this.progress(id, "test.output", line);
        },
      });
      const c = counts as TestCounts | null;
      const exit = r.steps[0]?.exitCode ?? null;
      let outcome: AgentTestRun["outcome"] = r.timedOut ? "timeout" : c && exit === 0 && c.failures === 0 ? "passed" : c && c.failures > 0 ? "failed" : "error";
      let toolCheck: ToolSummaryCheck | null = null;
      let tail = r.tail; // runBuild keeps the last 20 lines, redacted
      if (outcome === "passed") {
        toolCheck = await this.checkTools(id, work, { ...this.ctx.buildEnv(), MIX_ENV: "test", ...sandbox.env }, sandbox, plan.timeoutMs - r.durationMs, join(dirs.root, "test-tools.log"));
        this.progress(id, "test.tools", toolCheck.message);
        if (toolCheck.status === "mismatch") outcome = "failed";
        tail = [...tail.slice(-19), toolCheck.message];
      }
      const run: AgentTestRun = {
        agentId: id,
        outcome,
        tests: c?.tests ?? null,
        failures: c?.failures ?? null,
        skipped: c?.skipped ?? null,
        durationMs: r.durationMs,
        version: plan.version,
        commitSha: plan.commitSha,
        sandboxed: sandbox.sandboxed,
        logTail: tail,
        actor: opts.actor,
        ranAt: this.d.clock.iso(),
        toolCheck,
      };
      const { toolCheck: _notStored, ...stored } = run;
      const values = { ...stored, logTail: JSON.stringify(run.logTail) };
      this.d.catalog.db.insert(agentTestRuns).values(values).onConflictDoUpdate({ target: agentTestRuns.agentId, set: values }).run();
      audit(outcome === "passed" ? "ok" : "error", {
        outcome,
        tests: run.tests,
        failures: run.failures,
        skipped: run.skipped,
        duration_ms: run.durationMs,
        exit_code: exit,
        timed_out: r.timedOut,
        version: run.version,
        commit: run.commitSha,
        sandboxed: run.sandboxed,
        ...(sandbox.warning ? { sandbox_warning: sandbox.warning } : {}),
        log_path: logPath,
        tail: run.logTail.slice(-20),
        ...(toolCheck ? { tool_check: toolCheck } : {}),
      });
      this.progress(id, "done", `${outcome}: ${run.tests ?? "?"} tests, ${run.failures ?? "?"} failures`, { ok: outcome === "passed" });
      this.d.events.emit({ type: "catalog.changed", reason: `agent ${id} tested` });
      return run;
    } catch (e) {
      audit("error", { error: (e as Error).message });
      throw e;
    } finally {
      removePath(work);
      release();
    }
  }

  /** Lists the tools the compiled copy registers (its own code: same sandbox, rest of the deadline) and compares them with tool_summary. */
  private async checkTools(id: string, work: string, env: Record<string, string>, sandbox: { wrap: (cmd: readonly string[]) => string[]; notes: string[] }, timeoutMs: number, logPath: string): Promise<ToolSummaryCheck> {
    if (timeoutMs < 1) return uncheckedToolSummary("no time left before the deadline");
    const listing = new ToolListing();
    this.progress(id, "test.step", LIST_TOOLS_COMMAND.join(" "));
    const r = await runBuild({ dir: work, env, wrap: sandbox.wrap, notes: sandbox.notes, commands: [LIST_TOOLS_COMMAND], timeoutMs, logPath, onLine: (line) => listing.line(line) });
    const step = r.steps[0];
    if (!r.ok || !step || step.exitCode !== 0) {
      const last = r.tail.filter((l) => l.trim()).at(-1);
      return uncheckedToolSummary(`'${LIST_TOOLS_COMMAND.join(" ")}' ${r.timedOut ? "timed out" : `failed (exit ${step?.exitCode ?? step?.error ?? "?"})`}${last ? `: ${last.slice(0, 300)}` : ""}`);
    }
    const found = listing.result();
    if ("error" in found) return uncheckedToolSummary(found.error);
    // The manifest of the copy that was tested (for a local install it may be newer than the recorded one).
    let listed: string[];
    try {
      listed = readLocalManifest(work, this.d.limits.max_manifest_bytes).tool_summary.map((t) => t.name);
    } catch (e) {
      return uncheckedToolSummary((e as Error).message);
    }
    return compareToolSummary(listed, found.names, found.agent);
  }
}
