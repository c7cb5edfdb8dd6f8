/** `agents logs ID [--follow] [--tail N]` — the agent's redacted stdout/stderr and core events. */
import type { LogLine } from "../core/runtime/agent-log.ts";
import { type Command, intOption } from "./command.ts";
import { clean } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";

const fmt = (l: LogLine) => `${l.at.slice(11, 23)} ${l.stream.padEnd(6)} ${l.level ? `[${l.level}] ` : ""}${clean(l.line)}`;

export const agentsLogs: Command = {
  path: ["agents", "logs"],
  summary: "Show an agent's log (redacted); --follow streams new lines until Ctrl-C",
  usage: "ID [--follow] [--tail N]",
  options: { follow: { type: "boolean", short: "f", description: "Keep streaming new lines until Ctrl-C" }, tail: { type: "string", description: "Show only the last N lines" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = ctx.daemon();
    const id = await resolveAgentId(client, ctx.positionals[0]!);
    const tail = intOption(ctx.values, "tail", 0, 2000) ?? 200;
    const print = (l: LogLine) => ctx.io.out(ctx.json ? JSON.stringify(l) : fmt(l));
    if (ctx.values.follow !== true) {
      for (const l of (await client.agentLogs(id, tail)).lines) print(l);
      return 0;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once("SIGINT", stop);
    try {
      for await (const l of client.followAgentLogs(id, tail, ac.signal)) print(l);
    } finally {
      process.off("SIGINT", stop);
    }
    return ac.signal.aborted ? 130 : 0; // Ctrl-C ends --follow: 128 + SIGINT, like tail -f
  },
};
