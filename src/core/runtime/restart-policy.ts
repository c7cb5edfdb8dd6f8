/**
 * Restart policy as data: what happens after an agent process ends without
 * being asked to, and when its crash counter is forgiven. Pure functions of
 * the slot's counters and the operator limits; the Supervisor carries the
 * decision out (timers, state, audit).
 */
import type { Limits } from "../config/schema.ts";

export type RestartLimits = Pick<Limits, "restart_budget" | "restart_base_delay_ms" | "restart_max_delay_ms" | "healthy_reset_ms">;

export type RestartDecision =
  /** Dev-mode agents are never restarted: the developer sees the exit as it happened. */
  | { kind: "stay_exited" }
  /** The budget is spent (`attempt` would exceed it): the agent stays failed until started again. */
  | { kind: "give_up"; attempt: number; budget: number }
  /** Try again after `delayMs` (exponential from the base delay, capped); `attempt` counts from 1. */
  | { kind: "retry"; attempt: number; delayMs: number };

/** `restarts` is the number of restarts already made since the last (re)start by a person or a healthy period. */
export function decideRestart(restarts: number, devMode: boolean, limits: RestartLimits): RestartDecision {
  if (devMode) return { kind: "stay_exited" };
  const attempt = restarts + 1;
  if (attempt > limits.restart_budget) return { kind: "give_up", attempt, budget: limits.restart_budget };
  return { kind: "retry", attempt, delayMs: backoffDelay(attempt, limits) };
}

export function backoffDelay(attempt: number, limits: RestartLimits): number {
  return Math.min(limits.restart_base_delay_ms * 2 ** (attempt - 1), limits.restart_max_delay_ms);
}

/**
 * A healthy run longer than `healthy_reset_ms` forgives earlier crashes, so an
 * agent that crashes once a day is not eventually marked failed.
 */
export function shouldForgiveRestarts(restarts: number, healthy: boolean, startedAt: number | null, now: number, limits: RestartLimits): boolean {
  return healthy && restarts > 0 && startedAt !== null && now - startedAt > limits.healthy_reset_ms;
}
