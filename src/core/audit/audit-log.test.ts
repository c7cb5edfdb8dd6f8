import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { tempDir } from "../../../test/fixtures/foundation/tree.ts";
import type { Clock } from "../clock.ts";
import { loadConfig } from "../config/load.ts";
import { REDACTED } from "../redact.ts";
import { createServices, type Services } from "../services.ts";
import { parseSince } from "./audit-log.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
let now = T0;
const clock: Clock = { now: () => now, iso: () => new Date(now).toISOString() };

let dir: string;
let s: Services;
const seen: number[] = [];

beforeAll(() => {
  dir = tempDir();
  s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: dir, OPENSENTIENCE_SCAN_ROOTS: "" } }), clock);
  s.events.on((e) => e.type === "audit" && seen.push(e.event.id));
  // Ten minutes apart: agent a/b, actions install/start.
  const plan: Array<[string, string]> = [
    ["com.a.one", "agent.install"],
    ["com.a.one", "agent.start"],
    ["com.b.two", "agent.install"],
    ["com.b.two", "agent.start"],
    ["com.a.one", "agent.stop"],
  ];
  for (const [agentId, action] of plan) {
    s.audit.record({ actor: "cli", action, outcome: "ok", agentId, correlationId: `corr-${agentId}` });
    now += 10 * 60_000;
  }
});
afterAll(() => {
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("audit query filters", () => {
  test("newest first, everything by default", () => {
    expect(s.audit.query().map((e) => e.action)).toEqual(["agent.stop", "agent.start", "agent.install", "agent.start", "agent.install"]);
  });

  test("--agent", () => {
    expect(s.audit.query({ agentId: "com.b.two" }).map((e) => e.action)).toEqual(["agent.start", "agent.install"]);
    expect(s.audit.query({ agentId: "com.none" })).toEqual([]);
  });

  test("--action", () => {
    expect(s.audit.query({ action: "agent.install" }).map((e) => e.agentId)).toEqual(["com.b.two", "com.a.one"]);
  });

  test("--since (ISO and relative) is inclusive", () => {
    expect(s.audit.query({ since: new Date(T0 + 20 * 60_000).toISOString() })).toHaveLength(3);
    // now = T0 + 50m; 25m ago = T0 + 25m → only the events at +30m and +40m.
    expect(s.audit.query({ since: parseSince("25m", now)! }).map((e) => e.action)).toEqual(["agent.stop", "agent.start"]);
  });

  test("--limit, clamped to 1..10000", () => {
    expect(s.audit.query({ limit: 2 })).toHaveLength(2);
    expect(s.audit.query({ limit: 0 })).toHaveLength(1);
    expect(s.audit.query({ limit: -3 })).toHaveLength(1);
  });

  test("filters combine; correlation and beforeId page backwards", () => {
    expect(s.audit.query({ agentId: "com.a.one", action: "agent.start" })).toHaveLength(1);
    expect(s.audit.query({ correlationId: "corr-com.b.two" })).toHaveLength(2);
    const [newest] = s.audit.query({ limit: 1 });
    expect(s.audit.query({ beforeId: newest!.id }).map((e) => e.id)).not.toContain(newest!.id);
  });

  test("each record is published on the event bus", () => {
    expect(seen).toHaveLength(5);
  });
});

describe("audit integrity and redaction", () => {
  test("the table rejects UPDATE and DELETE", () => {
    const db = s.store.sqlite;
    expect(() => db.run("UPDATE audit_events SET outcome = 'error'")).toThrow(/append-only/);
    expect(() => db.run("DELETE FROM audit_events")).toThrow(/append-only/);
    expect(() => db.run("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")).toThrow(/append-only/);
    expect(s.audit.query({ limit: 100 }).every((e) => e.outcome === "ok")).toBe(true);
  });

  test("details are redacted before they are stored", () => {
    const ev = s.audit.record({
      actor: "system",
      action: "test.secret",
      outcome: "ok",
      details: { password: "hunter2", url: "https://u:pw@example.com/x", note: "Authorization: Bearer abcdefgh12345678", nested: { api_key: "k" } },
    });
    const stored = s.store.sqlite.query<{ details_json: string }, [number]>("SELECT details_json FROM audit_events WHERE id = ?").get(ev.id)!.details_json;
    expect(stored).not.toContain("hunter2");
    expect(stored).not.toContain(":pw@");
    expect(stored).not.toContain("abcdefgh12345678");
    expect(JSON.parse(stored)).toEqual({
      password: REDACTED,
      url: `https://u:${REDACTED}@example.com/x`,
      note: `Authorization: Bearer ${REDACTED}`,
      nested: { api_key: REDACTED },
    });
  });

  test("oversized details are truncated, not refused", () => {
    const ev = s.audit.record({ actor: "system", action: "test.big", outcome: "ok", details: { blob: "y ".repeat(20_000) } });
    expect(ev.details).toMatchObject({ truncated: true });
    expect(JSON.stringify(ev.details).length).toBeLessThan(2000);
  });
});

describe("parseSince", () => {
  test.each([
    ["30s", T0 - 30_000],
    ["15m", T0 - 15 * 60_000],
    ["2h", T0 - 2 * 3_600_000],
    ["7d", T0 - 7 * 86_400_000],
    [" 5m ", T0 - 5 * 60_000],
    ["2026-02-01", Date.parse("2026-02-01")],
    ["2026-02-01T10:00:00Z", Date.parse("2026-02-01T10:00:00Z")],
  ])("%j", (input, expected) => {
    expect(parseSince(input, T0)).toBe(new Date(expected).toISOString());
  });

  test.each(["", "bogus", "5 minutes", "-5m", "5w", "1e3s"])("%j is rejected", (input) => {
    expect(parseSince(input, T0)).toBeNull();
  });
});

describe("recordSoon (group commit for per-call events)", () => {
  test("queued events are written in order, visible to queries at once, and flushed on close", async () => {
    const dir = tempDir();
    const svc = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: dir, OPENSENTIENCE_SCAN_ROOTS: "" } }), clock);
    svc.audit.recordSoon({ actor: "cli", action: "soon.a", outcome: "ok" });
    svc.audit.recordSoon({ actor: "cli", action: "soon.b", outcome: "ok", details: { token: "sk-abcdefghijklmnopqrstuvwx" } });
    svc.audit.record({ actor: "cli", action: "now.c", outcome: "ok" });
    const got = svc.audit.query({ limit: 3 }).reverse();
    expect(got.map((e) => e.action)).toEqual(["soon.a", "soon.b", "now.c"]);
    expect(got[1]!.details.token).toBe(REDACTED);
    svc.audit.recordSoon({ actor: "cli", action: "soon.d", outcome: "ok" });
    await new Promise((r) => setImmediate(r));
    svc.audit.recordSoon({ actor: "cli", action: "soon.e", outcome: "ok" });
    svc.close(); // flushes soon.e before closing the catalog
    const again = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: dir, OPENSENTIENCE_SCAN_ROOTS: "" } }), clock);
    expect(again.audit.query({ limit: 2 }).map((e) => e.action)).toEqual(["soon.e", "soon.d"]);
    again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
