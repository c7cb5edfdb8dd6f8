/** `agents logs ID [--follow] [--tail N]` — the agent's redacted stdout/stderr and core events. */
import { z } from "zod";
import { DaemonClient } from "../client/daemon-client.ts";
import type { LogLine } from "../core/runtime/agent-log.ts";
import { type Command, intOption } from "./command.ts";
import { clean } from "./output.ts";

const linesSchema = z.object({ lines: z.array(z.looseObject({ at: z.string(), stream: z.string(), line: z.string() })) });
const fmt = (l: LogLine) => `${l.at.slice(11, 23)} ${l.stream.padEnd(6)} ${l.level ? `[${l.level}] ` : ""}${clean(l.line)}`;

export const agentsLogs: Command = {
  path: ["agents", "logs"],
  summary: "Show an agent's log (redacted); --follow streams new lines until Ctrl-C",
  usage: "ID [--follow] [--tail N]",
  options: { follow: { type: "boolean", short: "f" }, tail: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = DaemonClient.connect(ctx.config(), ctx.env);
    const id = encodeURIComponent(ctx.positionals[0]!);
    const tail = intOption(ctx.values, "tail", 0, 2000) ?? 200;
    const print = (l: LogLine) => ctx.io.out(ctx.json ? JSON.stringify(l) : fmt(l));
    if (ctx.values.follow !== true) {
      const { lines } = await client.request("GET", `/agents/${id}/logs`, linesSchema, { query: { tail } });
      for (const l of lines) print(l as LogLine);
      return 0;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once("SIGINT", stop);
    try {
      for await (const l of client.stream("GET", `/agents/${id}/logs`, { query: { tail, follow: 1 }, signal: ac.signal })) print(l as LogLine);
    } finally {
      process.off("SIGINT", stop);
    }
    return 0;
  },
};
