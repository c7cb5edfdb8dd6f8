import { expect, test } from "bun:test";
import type { AuditInput } from "../audit/audit-log.ts";
import { waitFor } from "../../../test/helpers/binary.ts";
import { type Refusal, RefusalAudit } from "./refusal-audit.ts";

const refusal = (code = "unauthorized"): Refusal => ({ action: "agent.handshake", code, reason: "token not valid for this agent", phase: "handshake", agentId: null, claimedAgentId: "com.x.y", bytesIn: 120 });

function setup(perWindow: number, windowMs: number) {
  const events: AuditInput[] = [];
  let now = 1_000_000;
  const audit = new RefusalAudit({ record: (e) => events.push(e) }, { perWindow, windowMs, clock: { now: () => now, iso: () => new Date(now).toISOString() } });
  return { events, audit, advance: (ms: number) => (now += ms) };
}

test("per kind: the first N of a window one by one, the rest counted; a new window starts with the summary", () => {
  const { events, audit, advance } = setup(3, 60_000);
  for (let i = 0; i < 10; i++) audit.record(refusal());
  audit.record(refusal("handshake_timeout")); // another kind has its own budget
  expect(events.map((e) => e.details?.code)).toEqual(["unauthorized", "unauthorized", "unauthorized", "handshake_timeout"]);
  expect(events[0]).toMatchObject({ actor: "agent", action: "agent.handshake", outcome: "denied", agentId: "com.x.y", details: { claimed_agent_id: "com.x.y", bytes_in: 120 } });
  advance(60_000);
  audit.record(refusal());
  expect(events.slice(4).map((e) => [e.details?.code, e.details?.suppressed])).toEqual([
    ["unauthorized", 7],
    ["unauthorized", undefined],
  ]);
  audit.flush(); // nothing suppressed since: no summary
  expect(events).toHaveLength(6);
});

test("the summary is written at the end of the window even when the flood has stopped", async () => {
  const { events, audit } = setup(1, 50);
  for (let i = 0; i < 5; i++) audit.record(refusal("frame_too_large"));
  expect(events).toHaveLength(1);
  await waitFor(() => events.length === 2, { what: "summary after the window", timeoutMs: 5000 });
  expect(events[1]!.details).toMatchObject({ code: "frame_too_large", suppressed: 4, window_ms: 50 });
});

test("a failing audit store is reported, not thrown into the socket handler", () => {
  const errors: string[] = [];
  const audit = new RefusalAudit({ record: () => { throw new Error("database is closed"); } }, { onError: (e) => errors.push(e.message) });
  expect(() => audit.record(refusal())).not.toThrow();
  expect(errors).toEqual(["database is closed"]);
});
