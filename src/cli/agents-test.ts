/**
 * `agents test ID [--yes] [--timeout MS] [--verbose]`: runs the agent's own
 * `mix test` (its code: asks first, refuses without a terminal unless --yes)
 * in the build sandbox; through the daemon as an operation when one runs.
 * Exit 0 when the tests passed, 1 when they failed or could not run.
 */
import { AppError } from "../core/errors.ts";
import type { AgentTestPlan, AgentTestRun } from "../core/installer/agent-test.ts";
import { MANIFEST_FILENAME } from "../core/manifest/schema.ts";
import type { Command, CommandContext } from "./command.ts";
import { confirmer, detachOnInterrupt, requireConfirmable, stopChildrenOnInterrupt } from "./confirm.ts";
import { testRunText } from "./format-trust.ts";
import { clean, printJson } from "./output.ts";
import { intOption } from "./command.ts";
import { resolveAgentId } from "./agent-ref.ts";

function planText(p: AgentTestPlan): string {
  return [
    `Testing ${p.agentId} ${p.version}${p.commitSha ? ` @ ${p.commitSha.slice(0, 12)}` : ""} runs ITS OWN test code:`,
    `  commands:  ${p.commands.join(", then ")} (MIX_ENV=test, no network when sandboxed; the second lists the agent's tools for the tool_summary check)`,
    `  in:        a copy of ${p.installPath} at ${p.workDirectory} (removed afterwards)`,
    `  sandbox:   ${p.sandboxPolicy === "off" ? "off (config.json): runs with your user's full access" : `${p.sandboxPolicy} (the build sandbox when this machine has one)`}`,
    `  deadline:  ${Math.round(p.timeoutMs / 1000)} s`,
  ].join("\n");
}

function printer(ctx: CommandContext): (p: { step: string; message: string }) => void {
  const verbose = ctx.values.verbose === true;
  return (p) => {
    if (ctx.json || p.step === "done") return;
    if (p.step === "test.output") {
      if (verbose) ctx.io.err(`    ${clean(p.message)}`);
      return;
    }
    ctx.io.err(`  ${clean(p.message)}`);
  };
}

export const agentsTest: Command = {
  path: ["agents", "test"],
  summary: "Run an installed agent's own tests (mix test) in the build sandbox and record the result (asks first unless --yes)",
  usage: "ID [--yes] [--timeout MS] [--verbose]",
  options: { yes: { type: "boolean", description: "Do not ask before running the agent's test code" }, timeout: { type: "string", description: "Give up after MS milliseconds" }, verbose: { type: "boolean", description: "Show the test run's full output" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const typed = ctx.positionals[0]!;
    const timeoutMs = intOption(ctx.values, "timeout", 1, 86_400_000);
    requireConfirmable(ctx, `testing ${typed} runs its own test code`);
    const ask = confirmer<AgentTestPlan>(ctx, planText, "Run these tests?");
    const notConfirmed = () => new AppError("confirmation_required", `not testing ${id}: 'mix test' runs the agent's own code and was not confirmed`);
    const t = await ctx.target({ write: true });
    const id = await resolveAgentId(t, typed);
    let r: AgentTestRun;
    if (t.kind === "daemon") {
      const plan = await t.client.agentTestPlan(id, timeoutMs ? { timeout_ms: String(timeoutMs) } : {});
      if (!(await ask(plan))) throw notConfirmed();
      const unguard = detachOnInterrupt(ctx, `the test run of ${id}`);
      try {
        const op = await t.client.testAgent(id, { confirm: true, ...(timeoutMs ? { timeout_ms: timeoutMs } : {}) });
        r = await t.client.finish("testAgent", op, printer(ctx));
      } finally {
        unguard();
      }
    } else {
      const print = printer(ctx);
      const off = t.services.events.on((e) => e.type === "progress" && e.topic === `test:${id}` && print(e));
      const unguard = stopChildrenOnInterrupt(ctx);
      try {
        r = await t.services.agentTests.run(id, { actor: "cli", confirm: ask, ...(timeoutMs ? { timeoutMs } : {}) });
      } finally {
        unguard();
        off();
      }
    }
    if (ctx.json) printJson(ctx.io, r);
    else {
      const lines = [`Tests of ${r.agentId}: ${testRunText(r)}`];
      if (r.toolCheck) lines.push(`Tool summary: ${clean(r.toolCheck.message)}${r.toolCheck.status === "mismatch" ? ` (fix ${MANIFEST_FILENAME} or the agent's tools: list)` : ""}`);
      if (r.outcome !== "passed" && r.toolCheck?.status !== "mismatch" && r.logTail.length) lines.push("Last output:", ...r.logTail.slice(-15).map((l) => `  | ${clean(l)}`));
      ctx.io.out(lines.join("\n"));
    }
    return r.outcome === "passed" ? 0 : 1;
  },
};
