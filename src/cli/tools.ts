/** `tools list [--agent ID]` and `tools call AGENT_ID/TOOL --args JSON [--timeout MS]`. */
import type { ToolStreamLine } from "../contract/runtime.ts";
import { AppError, isDomainErrorCode } from "../core/errors.ts";
import { type Command, intOption, stringOption } from "./command.ts";
import { clean, printJson, table } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";
import { argumentsGiven, argumentSummary, checkedArguments } from "./tool-args.ts";
import { findTool, splitToolRef } from "./tool-ref.ts";

export const toolsList: Command = {
  path: ["tools", "list"],
  summary: "List the tools registered by running agents",
  usage: "[--agent ID]",
  options: { agent: { type: "string", description: "Only this agent's tools" } },
  async run(ctx) {
    const client = ctx.daemon();
    const agent = stringOption(ctx.values, "agent");
    const { tools, rejected = [] } = await client.listTools(agent === undefined ? undefined : await resolveAgentId(client, agent));
    if (ctx.json) printJson(ctx.io, { tools, rejected });
    else if (tools.length === 0 && rejected.length === 0) ctx.io.out("No tools registered (start an agent with: opensentience agents run ID).");
    else
      ctx.io.out(
        table(
          ["TOOL", "ARGUMENTS", "FLAGS", "STATUS", "DESCRIPTION"],
          [
            ...tools.map((t) => [t.id, argumentSummary(t.inputSchema), [t.streaming && "streaming", t.cancellable && "cancellable"].filter(Boolean).join(","), t.surfaceChange ? `blocked: ${t.surfaceChange.kind === "added" ? "new tool" : `${t.surfaceChange.fields.join(", ")} changed`} (re-approve: agents enable)` : t.blockedBy.length ? `blocked: ${t.blockedBy.join(", ")}` : "ok", t.description]),
            // Refused at registration (issue 17, finding 3): listed with the reason, in full, so it is not a silent gap.
            ...rejected.map((r) => [`${r.agentId}/${r.name}`, "", "", "rejected (not callable)", r.reason]),
          ],
          [64, 40, 22, 56, Math.max(60, ...rejected.map((r) => Math.min(r.reason.length, 200)))],
        ),
      );
    return 0;
  },
};

export const toolsCall: Command = {
  path: ["tools", "call"],
  summary: "Call a tool through the router; progress streams to stderr, Ctrl-C cancels",
  usage: "AGENT_ID/TOOL [--args JSON | --args-file FILE] [--arg NAME=VALUE ...] [--timeout MS]",
  options: { args: { type: "string", description: "Tool arguments as a JSON object" }, "args-file": { type: "string", description: "Read the JSON arguments object from FILE (- for stdin)" }, arg: { type: "string", multiple: true, description: "One argument, NAME=VALUE, the value read as the schema's type (repeatable)" }, timeout: { type: "string", description: "Give up after MS milliseconds" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    splitToolRef(ctx.positionals[0]!);
    const given = await argumentsGiven(ctx.values);
    const timeout = intOption(ctx.values, "timeout", 1, 3_600_000);
    const client = ctx.daemon();
    const found = await findTool(client, ctx.positionals[0]!);
    const tool = found.id;
    // Checked here against the registered schema so a mistake is named before anything runs; the router checks again.
    const args = checkedArguments(found.tool ?? { id: tool, inputSchema: {} }, given);
    const ac = new AbortController();
    const onInt = () => {
      ctx.io.err("canceling…");
      ac.abort();
    };
    process.once("SIGINT", onInt);
    let last: Exclude<ToolStreamLine, { type: "progress" }> | undefined;
    try {
      for await (const l of client.callToolStreamed({ tool, arguments: args, ...(timeout ? { timeout_ms: timeout } : {}) }, ac.signal)) {
        if (l.type === "progress") {
          if (ctx.json) ctx.io.err(JSON.stringify(l));
          else ctx.io.err(`  … ${clean(typeof l.chunk === "string" ? l.chunk : JSON.stringify(l.chunk))}`);
        } else last = l;
      }
    } finally {
      process.off("SIGINT", onInt);
    }
    // Ctrl-C: the shell convention for an interrupted command, 128 + SIGINT.
    if (ac.signal.aborted && (!last || (last.type === "error" && last.error.code === "canceled"))) {
      const message = "call canceled (Ctrl-C)";
      ctx.io.err(ctx.json ? JSON.stringify({ error: { code: "canceled", message } }) : `opensentience: ${message}`);
      return 130;
    }
    if (!last) throw new AppError("internal", "the daemon closed the stream without a result");
    if (last.type === "error") {
      throw new AppError(isDomainErrorCode(last.error.code) ? last.error.code : "internal", last.error.message);
    }
    if (ctx.json) printJson(ctx.io, { output: last.output, duration_ms: last.duration_ms, request_id: last.request_id });
    else ctx.io.out(typeof last.output === "string" ? last.output : JSON.stringify(last.output, null, 2));
    return 0;
  },
};
