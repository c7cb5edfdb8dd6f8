/**
 * The live counters. One `ToolSeries` per (agent, tool), created the first
 * time the tool is called and looked up by its tool id afterwards; recording
 * a call only increments numbers in preallocated typed arrays. Each series
 * keeps two sets: since daemon start (Prometheus) and the pending delta of the
 * current minute (written to the rollups table once a minute).
 */
import { BUCKET_COUNT } from "./histogram.ts";
import { LabeledHistogram } from "./labeled-histogram.ts";

export const OUTCOMES = ["ok", "error", "denied", "canceled", "timeout"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_INDEX = { ok: 0, error: 1, denied: 2, canceled: 3, timeout: 4 } as const;

/** Why a call or an agent was refused: the label of opensentience_agent_permission_denials_total. */
export const DENIAL_CATEGORIES = ["client_scope", "agent_disabled", "unapproved_permission", "tool_surface", "unknown_tool", "tool_invoke", "egress", "other"] as const;
export type DenialCategory = (typeof DENIAL_CATEGORIES)[number];

export class ToolSeries {
  readonly outcomes = new Float64Array(OUTCOMES.length);
  readonly buckets = new Float64Array(BUCKET_COUNT);
  sumMs = 0;
  inflight = 0;
  /** Not yet written to the rollups table. */
  readonly pendingOutcomes = new Float64Array(OUTCOMES.length);
  readonly pendingBuckets = new Float64Array(BUCKET_COUNT);
  pendingSumMs = 0;
  pending = false;

  constructor(
    readonly agentId: string,
    readonly tool: string,
    readonly agent: AgentSeries,
  ) {}

  clearPending(): void {
    this.pendingOutcomes.fill(0);
    this.pendingBuckets.fill(0);
    this.pendingSumMs = 0;
    this.pending = false;
  }
}

/** Per-agent counters since daemon start. */
export class AgentSeries {
  restarts = 0;
  crashes = 0;
  launches = 0;
  readonly denials = new Float64Array(DENIAL_CATEGORIES.length);
  /** Frames and bytes of connections that have closed (live ones are read from the connection). */
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** A call finished since the last UI notification. */
  changed = false;
  /** Chat turns by outcome (ok, error, canceled, timeout): count and duration histogram. */
  readonly chat = new LabeledHistogram();

  constructor(readonly agentId: string) {}
}
