/**
 * The live event stream (`GET /events`, src/web/sse.ts) of the compiled
 * daemon: who may open it (session only: no session, a bearer token or a
 * foreign Origin are refused), topic validation, the hello/snapshot preamble,
 * topic filtering, redaction on the wire, and the stream closing when the
 * daemon stops.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type HttpSession, loginOverHttp, type RunningDaemon, startWebDaemon } from "../helpers/web-daemon.ts";
import { seededDaemon, stopSeededDaemon } from "../helpers/web-fixtures.ts";

setDefaultTimeout(60_000);

let d: RunningDaemon;
let s: HttpSession;

beforeAll(async () => {
  ({ d, s } = await seededDaemon());
});
afterAll(() => stopSeededDaemon(d));

interface SseEvent {
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects events, lets a test wait for one. */
async function openStream(topics: string, session: HttpSession = s) {
  const ac = new AbortController();
  const res = await fetch(`${d.url}/events?topics=${encodeURIComponent(topics)}`, { headers: { cookie: session.cookie, accept: "text/event-stream" }, signal: ac.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let raw = "";
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  if (res.body) {
    void (async () => {
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          raw += dec.decode(value, { stream: true });
          let i: number;
          while ((i = raw.indexOf("\n\n")) >= 0) {
            const block = raw.slice(0, i);
            raw = raw.slice(i + 2);
            const ev: SseEvent = { event: "message", data: "" };
            let isEvent = false;
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) comments.push(line);
              else if (line.startsWith("event: ")) ((ev.event = line.slice(7)), (isEvent = true));
              else if (line.startsWith("data: ")) ((ev.data += line.slice(6)), (isEvent = true));
              else if (line.startsWith("retry: ")) comments.push(line);
            }
            if (isEvent) events.push(ev);
          }
          wake();
        }
      } catch {
        // aborted by the test
      }
      ended = true;
      wake();
    })();
  }
  return {
    res,
    events,
    comments,
    get ended() {
      return ended;
    },
    close: () => ac.abort(),
    /** Resolves with the first event (from the start) matching `pred`. */
    waitFor(pred: (e: SseEvent) => boolean, what: string, ms = 15_000): Promise<SseEvent> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          } else if (ended) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`stream ended before ${what}; got ${JSON.stringify(events.map((e) => e.event))}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => e.event))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    waitEnded(ms = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (ended) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error("stream did not end")), ms);
        waiters.add(check);
        check();
      });
    },
  };
}

const post = (path: string, body: unknown) =>
  d.api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("who may open the stream", () => {
  test("no session: 401 JSON, not a login redirect", async () => {
    const r = await fetch(`${d.url}/events?topics=audit`, { redirect: "manual" });
    expect(r.status).toBe(401);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const stale = await fetch(`${d.url}/events?topics=audit`, { redirect: "manual", headers: { cookie: `os_session_${d.port}=${"ab".repeat(32)}` } });
    expect(stale.status).toBe(401);
  });

  test("a foreign Origin is refused even with a valid session", async () => {
    const r = await fetch(`${d.url}/events?topics=audit`, { redirect: "manual", headers: { cookie: s.cookie, origin: "http://evil.example" } });
    expect(r.status).toBe(403);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("content-type")).not.toContain("event-stream");
  });

  test("the admin token is not accepted (browser sessions only)", async () => {
    const r = await d.api("/events?topics=audit");
    expect(r.status).toBe(401);
  });

  test("topics are validated", async () => {
    for (const bad of ["", "nope", "agent:Not An Id", "chat:123", `progress:${"x".repeat(400)}`, Array.from({ length: 65 }, (_, i) => `agent:com.x.a${i}`).join(",")]) {
      const r = await fetch(`${d.url}/events?topics=${encodeURIComponent(bad)}`, { headers: { cookie: s.cookie } });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_argument");
    }
  });
});

describe("a session's stream", () => {
  test("retry, hello (with the CSRF token), snapshot, then matching events only", async () => {
    const st = await openStream("agents,audit");
    expect(st.res.status).toBe(200);
    expect(st.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(st.res.headers.get("cache-control")).toBe("no-store");
    expect(st.res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const hello = JSON.parse((await st.waitFor((e) => e.event === "hello", "hello")).data) as { csrf: string; topics: string[]; startedAt: string };
    expect(hello.csrf).toBe(s.csrf);
    expect(hello.topics).toEqual(["agents", "audit"]);
    expect(st.comments).toContain("retry: 2000");
    const snap = JSON.parse((await st.waitFor((e) => e.event === "snapshot", "snapshot")).data) as { agents: unknown[] };
    expect(Array.isArray(snap.agents)).toBe(true);

    // An audited action reaches the `audit` topic; chat events (another topic) do not.
    await post("/api/v1/discovery/run", {});
    const audit = await st.waitFor((e) => e.event === "audit" && e.data.includes('"discovery.run"'), "discovery audit event");
    expect(JSON.parse(audit.data).type).toBe("audit");
    await post("/api/v1/chat/sessions", { title: "not for this stream" });
    await st.waitFor((e) => e.event === "audit" && e.data.includes("chat.session.create"), "chat audit event");
    expect(st.events.some((e) => e.event === "chat")).toBe(false);
    st.close();
  });

  test("chat topic: events of that session only, secrets redacted, ids kept", async () => {
    const a = (await (await post("/api/v1/chat/sessions", { title: "first" })).json()) as { id: string };
    const b = (await (await post("/api/v1/chat/sessions", { title: "second" })).json()) as { id: string };
    const st = await openStream(`chat:${a.id}`);
    await st.waitFor((e) => e.event === "hello", "hello");
    const secret = "sk-abcdefghijklmnopqrstuvwxyz123456";
    await d.api(`/api/v1/chat/sessions/${b.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "other session" }) });
    await d.api(`/api/v1/chat/sessions/${a.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: `key ${secret}` }) });
    const ev = await st.waitFor((e) => e.event === "chat", "chat event");
    const data = JSON.parse(ev.data) as { type: string; sessionId: string; data: { kind: string; session: { id: string; title: string } } };
    expect(data.sessionId).toBe(a.id);
    expect(data.data.kind).toBe("session");
    expect(data.data.session.id).toBe(a.id);
    expect(data.data.session.title).toBe("key [REDACTED]");
    expect(ev.data).not.toContain(secret);
    expect(st.events.filter((e) => e.event === "chat").length).toBe(1);
    st.close();
  });

  test("a broken client does not break the bus or other clients", async () => {
    const keep = await openStream("audit");
    await keep.waitFor((e) => e.event === "hello", "hello");
    // Open and abandon a few streams mid-flight.
    for (let i = 0; i < 5; i++) {
      const gone = await openStream("audit");
      await gone.waitFor((e) => e.event === "hello", "hello");
      gone.close();
    }
    await post("/api/v1/discovery/run", {});
    await keep.waitFor((e) => e.event === "audit" && e.data.includes("discovery.run"), "audit after abandoned clients");
    const h = await d.api("/api/v1/health");
    expect(h.status).toBe(200);
    keep.close();
  });
});

describe("daemon stop", () => {
  test("closes open streams", async () => {
    const own = await startWebDaemon();
    try {
      const session = await loginOverHttp(own);
      const res = await fetch(`${own.url}/events?topics=audit`, { headers: { cookie: session.cookie } });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain("retry: 2000");
      const stopped = own.stop();
      // The read loop ends (done or a connection error) instead of hanging.
      const ended = await (async () => {
        try {
          for (;;) if ((await reader.read()).done) return "done";
        } catch {
          return "closed";
        }
      })();
      expect(["done", "closed"]).toContain(ended);
      await stopped;
    } finally {
      await own.stop().catch(() => {});
    }
  });
});
