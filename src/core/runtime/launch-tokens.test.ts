import { expect, test } from "bun:test";
import { LaunchTokens } from "./launch-tokens.ts";

test("single-use, bound to the agent, expiring; a near-miss does not burn the real token", () => {
  let now = 1000;
  const tokens = new LaunchTokens({ now: () => now, iso: () => new Date(now).toISOString() }, 60_000);
  const t = tokens.issue("com.a.one", 7);
  const lastByteOff = `${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`;
  expect(tokens.consume("com.a.one", lastByteOff).ok).toBe(false);
  expect(tokens.consume("com.a.two", t).ok).toBe(false); // another agent presenting it
  expect(tokens.consume("com.a.one", t)).toEqual({ ok: true, launchId: 7 });
  expect(tokens.consume("com.a.one", t).ok).toBe(false); // replay

  const late = tokens.issue("com.a.one", 8);
  now += 60_001;
  expect(tokens.consume("com.a.one", late)).toEqual({ ok: false, reason: "token expired" });

  const revoked = tokens.issue("com.a.one", 9);
  tokens.issue("com.a.one", 10); // a new launch revokes the older token
  expect(tokens.consume("com.a.one", revoked).ok).toBe(false);
});
