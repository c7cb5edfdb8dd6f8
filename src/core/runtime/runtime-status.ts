import type { RejectedTool } from "./tool-registry.ts";

/** What the CLI, API and UI show about a running (or not) agent. */
export type RuntimeState = "stopped" | "starting" | "running" | "stopping" | "backoff" | "failed" | "exited";

/** The persisted desired state of an installed agent (installs.run_intent); see run-intent.ts. */
export type RunIntent = "running" | "stopped";

export interface LastExit {
  code: number | null;
  signal: string | null;
  reason: string;
  at: string;
}

export interface RuntimeStatus {
  agentId: string;
  state: RuntimeState;
  pid: number | null;
  connected: boolean;
  healthy: boolean;
  lastHeartbeatAt: string | null;
  startedAt: string | null;
  restarts: number;
  backoffMs: number | null;
  nextRestartAt: string | null;
  lastExit: LastExit | null;
  tools: number;
  /** Tools the agent offered in this run that registration refused, with why (a permission its manifest never requested, …). */
  rejectedTools?: RejectedTool[];
  inflight: number;
  devMode: boolean;
  /** Desired state, kept across daemon restarts: "running" after run, "stopped" after stop or a kill switch. */
  intent: RunIntent;
  /** Whether the daemon starts the agent at its own start while `intent` is "running". */
  autostart: boolean;
  /** Whether the current (or last) process ran in the sandbox; null before its first start by this daemon. */
  sandboxed: boolean | null;
}
