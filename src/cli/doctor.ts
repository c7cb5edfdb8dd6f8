import type { CheckResult } from "../core/doctor/checks.ts";
import { realDoctorDeps, runDoctor } from "../core/doctor/doctor.ts";
import type { Command } from "./command.ts";
import { clean, printJson } from "./output.ts";

const LABEL: Record<CheckResult["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

export const doctor: Command = {
  path: ["doctor"],
  summary: "Check git, Elixir, the data dir, socket, port and token; say how to fix what is wrong",
  async run(ctx) {
    const report = await runDoctor(realDoctorDeps(ctx.env));
    if (ctx.json) {
      printJson(ctx.io, report);
      return report.ok ? 0 : 1;
    }
    const w = Math.max(...report.checks.map((c) => c.title.length));
    const lines = [`opensentience doctor (data dir ${report.home})`, ""];
    for (const c of report.checks) {
      lines.push(`${LABEL[c.status]}  ${c.title.padEnd(w)}  ${clean(c.message)}`);
      if (c.fix) lines.push(`${" ".repeat(6 + w + 2)}fix: ${clean(c.fix)}`);
    }
    const { ok, warn, fail } = report.counts;
    lines.push("", `${ok} ok, ${warn} warning${warn === 1 ? "" : "s"}, ${fail} failure${fail === 1 ? "" : "s"}`);
    ctx.io.out(lines.join("\n"));
    return report.ok ? 0 : 1;
  },
};
