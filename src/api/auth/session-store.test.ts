import { expect, test } from "bun:test";
import type { Clock } from "../../core/clock.ts";
import { SessionStore } from "./session-store.ts";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, iso: () => new Date(now).toISOString(), advance: (ms) => (now += ms) };
}

test("sessions expire after the TTL and die with a token rotation", () => {
  const clock = fakeClock();
  const store = new SessionStore({ clock, ttlMs: 60_000 });
  const { id, session } = store.create(1);
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  expect(session.csrf).toMatch(/^[0-9a-f]{64}$/);
  expect(store.get(id, 1)).toBe(session);
  expect(store.get(id, 2)).toBeNull(); // created under an older token
  const b = store.create(1);
  clock.advance(59_999);
  expect(store.get(b.id, 1)).not.toBeNull();
  clock.advance(1);
  expect(store.get(b.id, 1)).toBeNull();
});

test("unknown, oversized and destroyed ids are rejected; clear() ends everything", () => {
  const store = new SessionStore({ clock: fakeClock(), ttlMs: 60_000 });
  expect(store.get(undefined, 1)).toBeNull();
  expect(store.get("x".repeat(200), 1)).toBeNull();
  const a = store.create(1);
  const b = store.create(1);
  expect(store.destroy(a.id)).toBe(true);
  expect(store.get(a.id, 1)).toBeNull();
  expect(store.clear()).toBe(1);
  expect(store.get(b.id, 1)).toBeNull();
});

test("the store is bounded: the oldest session is evicted", () => {
  const store = new SessionStore({ clock: fakeClock(), ttlMs: 60_000, maxSessions: 2 });
  const a = store.create(1);
  store.create(1);
  store.create(1);
  expect(store.size).toBe(2);
  expect(store.get(a.id, 1)).toBeNull();
});
