/** `agents run|stop|restart ID` — through the running daemon, which owns agent processes. */
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";
import { AppError } from "../core/errors.ts";
import type { Command, CommandContext } from "./command.ts";
import { keyValues, printJson } from "./output.ts";
import { resolveAgentId } from "./agent-ref.ts";

export function runtimeStatusText(s: RuntimeStatus): string {
  return keyValues([
    ["agent", s.agentId],
    ["state", `${s.state}${s.state === "running" ? (s.healthy ? " (healthy)" : " (UNHEALTHY)") : ""}`],
    ["intent", s.intent === "running" ? (s.autostart ? "running (starts with the daemon)" : "running (not at daemon start: --no-autostart)") : "stopped (stays stopped)"],
    ["pid", s.pid],
    ["tools", toolsLine(s)],
    ["last heartbeat", s.lastHeartbeatAt],
    ["restarts", s.restarts],
    ["next restart", s.nextRestartAt ?? undefined],
    ["last exit", s.lastExit ? `${s.lastExit.reason} (${s.lastExit.signal ?? `code ${s.lastExit.code}`}) at ${s.lastExit.at}` : undefined],
  ]);
}

/** `1`, or `1 (1 rejected: write_file — permission '…' is not requested by the agent's manifest)`. */
function toolsLine(s: RuntimeStatus): string | number {
  const rejected = s.rejectedTools ?? [];
  if (!rejected.length) return s.tools;
  return `${s.tools} (${rejected.length} rejected: ${rejected.map((r) => `${r.name} — ${r.reason}`).join("; ")})`;
}

function print(ctx: CommandContext, st: RuntimeStatus): number {
  if (ctx.json) printJson(ctx.io, st);
  else ctx.io.out(runtimeStatusText(st));
  return 0;
}

export const agentsRun: Command = {
  path: ["agents", "run"],
  summary: "Start an installed, enabled agent and keep it running across daemon restarts (waits until its tools are registered)",
  usage: "ID [--no-autostart]",
  options: { "no-autostart": { type: "boolean", description: "Run now but do not start it again after a daemon restart" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = ctx.daemon();
    return print(ctx, await client.runAgent(await resolveAgentId(client, ctx.positionals[0]!), { autostart: ctx.values["no-autostart"] !== true }));
  },
};

export const agentsStop: Command = {
  path: ["agents", "stop"],
  summary: "Stop a running agent; it stays stopped across daemon restarts (shutdown, grace period, then kill its process tree)",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = ctx.daemon();
    const id = await resolveAgentId(client, ctx.positionals[0]!);
    try {
      return print(ctx, await client.stopAgent(id));
    } catch (e) {
      // Already stopped is what was asked for: exit 0 and say so (the API keeps its 409 for callers that care).
      if (!(e instanceof AppError) || e.code !== "conflict") throw e;
      const st = await client.agentStatus(id);
      if (st.state === "running" || st.state === "starting" || st.state === "backoff" || st.intent === "running") throw e;
      if (!ctx.json) ctx.io.out(`${id} was not running; nothing to stop.`);
      return print(ctx, st);
    }
  },
};

export const agentsRestart: Command = {
  path: ["agents", "restart"],
  summary: "Restart an agent",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const client = ctx.daemon();
    return print(ctx, await client.restartAgent(await resolveAgentId(client, ctx.positionals[0]!)));
  },
};
