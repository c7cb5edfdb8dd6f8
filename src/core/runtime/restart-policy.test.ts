import { describe, expect, test } from "bun:test";
import { backoffDelay, decideRestart, shouldForgiveRestarts } from "./restart-policy.ts";

const limits = { restart_budget: 3, restart_base_delay_ms: 100, restart_max_delay_ms: 250, healthy_reset_ms: 1000 };

describe("restart policy", () => {
  test("retries with exponential backoff, capped, until the budget is spent", () => {
    expect(decideRestart(0, false, limits)).toEqual({ kind: "retry", attempt: 1, delayMs: 100 });
    expect(decideRestart(1, false, limits)).toEqual({ kind: "retry", attempt: 2, delayMs: 200 });
    expect(decideRestart(2, false, limits)).toEqual({ kind: "retry", attempt: 3, delayMs: 250 });
    expect(decideRestart(3, false, limits)).toEqual({ kind: "give_up", attempt: 4, budget: 3 });
  });

  test("a budget of 0 never restarts; dev mode never restarts", () => {
    expect(decideRestart(0, false, { ...limits, restart_budget: 0 }).kind).toBe("give_up");
    expect(decideRestart(0, true, limits)).toEqual({ kind: "stay_exited" });
  });

  test("the delay never overflows for large attempts", () => {
    expect(backoffDelay(5000, limits)).toBe(250);
  });

  test("a healthy period longer than healthy_reset_ms forgives crashes", () => {
    expect(shouldForgiveRestarts(2, true, 0, 1001, limits)).toBe(true);
    expect(shouldForgiveRestarts(2, true, 0, 1000, limits)).toBe(false);
    expect(shouldForgiveRestarts(2, false, 0, 5000, limits)).toBe(false);
    expect(shouldForgiveRestarts(0, true, 0, 5000, limits)).toBe(false);
    expect(shouldForgiveRestarts(2, true, null, 5000, limits)).toBe(false);
  });
});
