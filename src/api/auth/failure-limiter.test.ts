import { expect, test } from "bun:test";
import type { Clock } from "../../core/clock.ts";
import { FailureLimiter } from "./failure-limiter.ts";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, iso: () => new Date(now).toISOString(), advance: (ms) => (now += ms) };
}

test("failure limiter blocks after N failures until the window ends", () => {
  const clock = fakeClock();
  const limiter = new FailureLimiter({ clock, maxFailures: 3, windowMs: 60_000 });
  expect(limiter.fail()).toBe(false);
  expect(limiter.fail()).toBe(false);
  expect(limiter.retryAfterSeconds()).toBe(0);
  expect(limiter.fail()).toBe(true);
  expect(limiter.retryAfterSeconds()).toBe(60);
  clock.advance(30_500);
  expect(limiter.retryAfterSeconds()).toBe(30);
  clock.advance(29_500);
  expect(limiter.retryAfterSeconds()).toBe(0);
});
