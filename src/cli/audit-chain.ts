/** `audit verify` and `audit export`: the hash chain, checked and shipped (docs/audit-log.md). */
import { parseSince } from "../core/audit/audit-log.ts";
import { toJsonl } from "../core/audit/export.ts";
import type { ChainReport } from "../core/audit/verify.ts";
import { AppError } from "../core/errors.ts";
import { type Command, intOption, stringOption } from "./command.ts";
import { printJson } from "./output.ts";

export const auditVerify: Command = {
  path: ["audit", "verify"],
  summary: "Check the audit log's hash chain; names the first edited, inserted or missing row (exit 1)",
  usage: "[--tail N]",
  options: { tail: { type: "string", description: "Check only the last N rows" } },
  async run(ctx) {
    const tail = intOption(ctx.values, "tail", 1, 100_000_000);
    const t = await ctx.target({ write: false });
    const r: ChainReport = t.kind === "local" ? t.services.audit.verify(tail === undefined ? {} : { tailRows: tail }) : await t.client.auditVerify(tail === undefined ? {} : { tail });
    if (ctx.json) printJson(ctx.io, r);
    if (r.problem) {
      if (!ctx.json) ctx.io.err(`opensentience: audit chain broken: ${r.problem.message}`);
      return 1;
    }
    if (!ctx.json) {
      const from = { genesis: "from the first row", checkpoint: "from the retention checkpoint", tail: "newest rows only", empty: "empty log" }[r.from];
      ctx.io.out(
        r.lastId === null
          ? "audit log intact: no rows yet"
          : `audit log intact: ${r.checked} rows verified (ids ${r.from === "tail" ? r.lastId - r.checked + 1 : r.firstId}-${r.lastId}, ${from}) in ${r.durationMs} ms; head ${r.headHash}`,
      );
    }
    return 0;
  },
};

export const auditExport: Command = {
  path: ["audit", "export"],
  summary: "Write audit rows oldest first as JSON Lines (for a SIEM), with each row's chain hash",
  usage: "[--since T] [--format jsonl]",
  options: { since: { type: "string", description: "Only rows newer than T (ISO time or an age like 30m, 2h, 7d)" }, format: { type: "string", description: "Output format (only jsonl)" } },
  async run(ctx) {
    const format = stringOption(ctx.values, "format") ?? "jsonl";
    if (format !== "jsonl") throw new AppError("usage", `--format must be jsonl; got ${JSON.stringify(format)}`);
    const sinceRaw = stringOption(ctx.values, "since");
    const since = sinceRaw === undefined ? null : parseSince(sinceRaw, Date.now());
    if (since === null && sinceRaw !== undefined) throw new AppError("usage", `--since must be an ISO time or an age like 30m, 2h, 7d; got ${JSON.stringify(sinceRaw)}`);
    const t = await ctx.target({ write: false });
    const out = (s: string) => process.stdout.write(s);
    if (t.kind === "local") {
      for (const page of t.services.audit.exportPages(since)) await flushed(out(toJsonl(page)));
      return 0;
    }
    let buf = "";
    for await (const line of t.client.auditExport(since === null ? {} : { since })) {
      buf += `${JSON.stringify(line)}\n`;
      if (buf.length > 65_536) {
        await flushed(out(buf));
        buf = "";
      }
    }
    if (buf) out(buf);
    return 0;
  },
};

/** Waits for stdout to drain when it asked us to, so a slow reader bounds our memory. */
function flushed(wrote: boolean): Promise<void> | void {
  if (!wrote) return new Promise((r) => process.stdout.once("drain", () => r()));
}
