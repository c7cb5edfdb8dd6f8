/** What the CLI, API and UI show about a running (or not) agent. */
export type RuntimeState = "stopped" | "starting" | "running" | "stopping" | "backoff" | "failed" | "exited";

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
  inflight: number;
  devMode: boolean;
}
