/** `agents run|stop|restart ID` — through the running daemon, which owns agent processes. */
import { z } from "zod";
import { DaemonClient } from "../client/daemon-client.ts";
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";
import type { Command, CommandContext } from "./command.ts";
import { keyValues, printJson } from "./output.ts";

const statusSchema = z.looseObject({ agentId: z.string(), state: z.string() });

export function runtimeStatusText(s: RuntimeStatus): string {
  return keyValues([
    ["agent", s.agentId],
    ["state", `${s.state}${s.state === "running" ? (s.healthy ? " (healthy)" : " (UNHEALTHY)") : ""}`],
    ["pid", s.pid],
    ["tools", s.tools],
    ["last heartbeat", s.lastHeartbeatAt],
    ["restarts", s.restarts],
    ["next restart", s.nextRestartAt ?? undefined],
    ["last exit", s.lastExit ? `${s.lastExit.reason} (${s.lastExit.signal ?? `code ${s.lastExit.code}`}) at ${s.lastExit.at}` : undefined],
  ]);
}

function lifecycle(verb: "run" | "stop" | "restart", summary: string): Command {
  return {
    path: ["agents", verb],
    summary,
    usage: "ID",
    args: { min: 1, max: 1 },
    async run(ctx: CommandContext) {
      const client = DaemonClient.connect(ctx.config(), ctx.env);
      const id = ctx.positionals[0]!;
      const st = (await client.request("POST", `/agents/${encodeURIComponent(id)}/${verb}`, statusSchema, { body: {} })) as unknown as RuntimeStatus;
      if (ctx.json) printJson(ctx.io, st);
      else ctx.io.out(runtimeStatusText(st));
      return 0;
    },
  };
}

export const agentsRun = lifecycle("run", "Start an installed, enabled agent (waits until its tools are registered)");
export const agentsStop = lifecycle("stop", "Stop a running agent (shutdown, grace period, then kill its process tree)");
export const agentsRestart = lifecycle("restart", "Restart an agent");
