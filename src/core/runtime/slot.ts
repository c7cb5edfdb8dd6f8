/**
 * The per-agent runtime record. One `Slot` per agent id lives in the
 * Supervisor's table; the Supervisor is its only writer. The session handler,
 * the restart policy and the process helpers read slots or return decisions,
 * and the Supervisor applies them, so every state change has one place to look.
 */
import type { Subprocess } from "bun";
import type { SandboxView } from "../sandbox/launcher.ts";
import type { AgentLog } from "./agent-log.ts";
import type { AgentLink } from "./router.ts";
import type { RejectedTool } from "./tool-registry.ts";
import type { LastExit, RunIntent, RuntimeState, RuntimeStatus } from "./runtime-status.ts";

export interface Slot {
  readonly agentId: string;
  state: RuntimeState;
  /** What this daemon run wants right now (drives restarts); the persisted intent is in the catalog. */
  desired: "running" | "stopped";
  proc: Subprocess | null;
  /** Row in `runs` for the current process. */
  runId: number | null;
  /** Increases with every launch; a hello must carry the token of the current one. */
  launchId: number;
  /** Defined while the agent is connected and authenticated. */
  link: AgentLink | null;
  startedAt: number | null;
  restarts: number;
  backoffMs: number | null;
  nextRestartAt: number | null;
  restartTimer: ReturnType<typeof setTimeout> | null;
  lastExit: LastExit | null;
  devMode: boolean;
  readonly log: AgentLog;
  /** Settles after the exit handler of the current process ran. */
  exited: Promise<void> | null;
  /** Launches waiting for `tools.register` (null) or for the process to end first (an error). */
  readyWaiters: Array<(err: Error | null) => void>;
  /** How the current (or last) process was confined: policy, sandboxed or not, the exact plan. */
  sandbox: SandboxView | null;
  /** The egress proxy serving the current process (approved hosts only), closed when it ends. */
  egress: { close(): Promise<void> } | null;
}

export function newSlot(agentId: string, log: AgentLog): Slot {
  return {
    agentId,
    state: "stopped",
    desired: "stopped",
    proc: null,
    runId: null,
    launchId: 0,
    link: null,
    startedAt: null,
    restarts: 0,
    backoffMs: null,
    nextRestartAt: null,
    restartTimer: null,
    lastExit: null,
    devMode: false,
    log,
    exited: null,
    readyWaiters: [],
    sandbox: null,
    egress: null,
  };
}

/** States in which the agent has (or is about to get) a process: run refuses, stop applies. */
export const isActive = (s: RuntimeState): boolean => s === "running" || s === "starting" || s === "backoff" || s === "stopping";

/** States that count as "not running" for the kill switch and the status pid. */
export const isDown = (s: RuntimeState): boolean => s === "stopped" || s === "failed" || s === "exited";

/** What the router and the catalog know about the agent, added to a slot's own fields for its status. */
export interface StatusExtras {
  tools: number;
  rejectedTools: RejectedTool[];
  inflight: number;
  intent: RunIntent;
  autostart: boolean;
}

/** The status the CLI, API and UI show; an agent without a slot has never run in this daemon. */
export function slotStatus(agentId: string, slot: Slot | undefined, extras: StatusExtras): RuntimeStatus {
  const lastFrame = slot?.link?.conn.lastFrameAt;
  return {
    agentId,
    state: slot?.state ?? "stopped",
    pid: slot?.proc && !isDown(slot.state) ? slot.proc.pid : null,
    connected: !!slot?.link && !slot.link.conn.isClosed(),
    healthy: !!slot?.link?.healthy,
    lastHeartbeatAt: lastFrame ? new Date(lastFrame).toISOString() : null,
    startedAt: slot?.startedAt ? new Date(slot.startedAt).toISOString() : null,
    restarts: slot?.restarts ?? 0,
    backoffMs: slot?.state === "backoff" ? slot.backoffMs : null,
    nextRestartAt: slot?.nextRestartAt ? new Date(slot.nextRestartAt).toISOString() : null,
    lastExit: slot?.lastExit ?? null,
    tools: extras.tools,
    rejectedTools: extras.rejectedTools,
    inflight: extras.inflight,
    devMode: slot?.devMode ?? false,
    intent: extras.intent,
    autostart: extras.autostart,
    sandboxed: slot?.sandbox ? slot.sandbox.sandboxed : null,
  };
}
