import { describe, expect, test } from "bun:test";
import { type CoreEvent, EventBus } from "../core/events.ts";
import type { LogLine } from "../core/runtime/agent-log.ts";
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";
import { EventStreams, eventMatches, parseTopics, wireEvent } from "./sse.ts";

const SID = "0b7c6f7e-1d2a-4c1e-9a55-3c2b1a0f9e8d";

function fakeDeps() {
  const events = new EventBus();
  const logSubs = new Map<string, Set<(l: LogLine) => void>>();
  const status = (agentId: string) => ({ agentId, state: "running", restarts: 0 }) as unknown as RuntimeStatus;
  const deps = {
    startedAt: "2026-01-01T00:00:00.000Z",
    services: {
      events,
      catalog: { installFor: (id: string) => (id === "com.example.known" ? { state: "installed", enabled: true } : undefined) },
      search: { search: () => ({ agents: [{ id: "com.example.known" }] }) },
    },
    runtime: {
      statuses: () => [status("com.example.known")],
      status,
      followLogs(agentId: string, fn: (l: LogLine) => void) {
        let set = logSubs.get(agentId);
        if (!set) logSubs.set(agentId, (set = new Set()));
        set.add(fn);
        return () => set.delete(fn);
      },
    },
  };
  const log = (agentId: string, line: string) => {
    for (const fn of logSubs.get(agentId) ?? []) fn({ at: "t", stream: "stdout", line });
  };
  return { deps: deps as never, events, logSubs, log };
}

async function readSome(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe("topics", () => {
  test("parse, dedupe and reject malformed ones", () => {
    expect(parseTopics("agents, audit,agents")).toEqual([{ kind: "agents" }, { kind: "audit" }]);
    expect(parseTopics(`agent:com.example.a,progress:install:com.example.a,chat:${SID.toUpperCase()}`)).toEqual([
      { kind: "agent", agentId: "com.example.a" },
      { kind: "progress", topic: "install:com.example.a" },
      { kind: "chat", sessionId: SID },
    ]);
    for (const bad of ["", " , ", "agent:", "agent:../x", "chat:nope", "progress:", "progress:a b", "whatever"]) expect(() => parseTopics(bad)).toThrow();
    expect(() => parseTopics("audit,agents,catalog", 2)).toThrow(/at most 2/);
  });

  test("matching", () => {
    const status: CoreEvent = { type: "agent.status", agentId: "com.example.a", status: {} };
    const progress: CoreEvent = { type: "progress", topic: "install:com.example.a", step: "x", message: "y" };
    const chat: CoreEvent = { type: "chat", sessionId: SID, data: {} };
    expect(eventMatches(parseTopics("agent:com.example.a"), status)).toBe(true);
    expect(eventMatches(parseTopics("agent:com.example.b"), status)).toBe(false);
    expect(eventMatches(parseTopics("agents"), status)).toBe(true);
    expect(eventMatches(parseTopics("progress:install:com.example.a"), progress)).toBe(true);
    expect(eventMatches(parseTopics("progress:install:com.example.b"), progress)).toBe(false);
    expect(eventMatches(parseTopics(`chat:${SID}`), chat)).toBe(true);
    expect(eventMatches(parseTopics("audit,agents"), chat)).toBe(false);
    expect(eventMatches(parseTopics("catalog"), { type: "catalog.changed", reason: "x" })).toBe(true);
  });

  test("wire format: redacted data, ids kept, one data line", () => {
    const text = wireEvent({ type: "chat", sessionId: SID, data: { kind: "delta", text: "line1\nkey sk-abcdefghijklmnopqrstuvwxyz123456", token: "t0p" } });
    const lines = text.split("\n");
    expect(lines[0]).toBe("event: chat");
    expect(lines[1]!.startsWith("data: ")).toBe(true);
    expect(lines.slice(2)).toEqual(["", ""]);
    const data = JSON.parse(lines[1]!.slice(6));
    expect(data.sessionId).toBe(SID);
    expect(data.data.text).toBe("line1\nkey [REDACTED]");
    expect(data.data.token).toBe("[REDACTED]");
  });
});

describe("streams", () => {
  test("hello, snapshot, matching events and log lines of known agents only", async () => {
    const { deps, events, logSubs, log } = fakeDeps();
    const streams = new EventStreams(deps);
    const ac = new AbortController();
    const res = streams.stream(parseTopics("agent:com.example.known,agent:com.example.unknown"), "csrf123", ac.signal);
    expect(logSubs.get("com.example.known")?.size).toBe(1);
    expect(logSubs.has("com.example.unknown")).toBe(false);
    events.emit({ type: "agent.status", agentId: "com.example.known", status: { state: "stopped" } });
    events.emit({ type: "agent.status", agentId: "com.example.other", status: { state: "stopped" } });
    log("com.example.known", "hello api_key=abc123");
    const text = await readSome(res, (t) => t.includes("event: agent.log"));
    expect(text.startsWith("retry: 2000\n\nevent: hello\n")).toBe(true);
    expect(text).toContain('"csrf":"csrf123"');
    expect(text).toContain("event: snapshot");
    expect(text).not.toContain("com.example.other");
    expect(text).toContain('"line":"hello api_key=[REDACTED]"');
    expect(streams.size).toBe(1);
    ac.abort();
    expect(streams.size).toBe(0);
    expect(logSubs.get("com.example.known")?.size).toBe(0);
  });

  test("a client that falls behind is dropped; the bus and other clients carry on", async () => {
    const { deps, events } = fakeDeps();
    const streams = new EventStreams(deps, { pingMs: 60_000, maxQueuedBytes: 64 * 1024, maxTopics: 64 });
    const slow = streams.stream(parseTopics("audit"), "c", new AbortController().signal);
    const fast = streams.stream(parseTopics("audit"), "c", new AbortController().signal);
    const reader = fast.body!.getReader();
    expect(streams.size).toBe(2);
    const big = "lorem ipsum ".repeat(700);
    let got = 0;
    for (let i = 0; i < 20; i++) {
      events.emit({ type: "audit", event: { id: i, details: { big } } as never });
      // The fast client drains each event completely before the next; the slow one never reads.
      while (got < (i + 1) * big.length) {
        const r = await reader.read();
        if (r.done) throw new Error("fast client's stream ended");
        got += r.value.length;
      }
    }
    expect(streams.size).toBe(1);
    expect(got).toBeGreaterThan(20 * 8000);
    expect(slow.body).not.toBeNull();
    streams.closeAll();
    expect(streams.size).toBe(0);
  });

  test("a throwing listener elsewhere does not stop delivery", async () => {
    const { deps, events } = fakeDeps();
    events.on(() => {
      throw new Error("broken listener");
    });
    const streams = new EventStreams(deps);
    const res = streams.stream(parseTopics("catalog"), "c", new AbortController().signal);
    events.emit({ type: "catalog.changed", reason: "test" });
    expect(await readSome(res, (t) => t.includes("catalog.changed"))).toContain('"reason":"test"');
    streams.closeAll();
  });

  test("a stream ends with its session: logout ends that one, a token rotation ends all", () => {
    const { deps, events } = fakeDeps();
    const streams = new EventStreams(deps);
    streams.stream(parseTopics("audit"), "csrf-a", new AbortController().signal);
    streams.stream(parseTopics("audit"), "csrf-b", new AbortController().signal);
    streams.stream(parseTopics("audit"), "csrf-c", new AbortController().signal);
    events.emit({ type: "auth.sessions_ended", csrf: "csrf-b" });
    expect(streams.size).toBe(2);
    events.emit({ type: "auth.sessions_ended", csrf: null });
    expect(streams.size).toBe(0);
  });
});
