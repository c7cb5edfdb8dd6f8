/**
 * Drive-by protection of the compiled daemon over real HTTP: foreign Host
 * headers (DNS rebinding), foreign Origins, CSRF, CORS preflights. Every
 * refused request must change nothing: the audit log and the catalog are
 * compared before and after.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { hostname } from "node:os";
import { corsHeaders, getWithHost, rawRequest } from "../helpers/raw-http.ts";
import { auditEvents, type HttpSession, loginOverHttp, type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";
import { seedAgents } from "../helpers/web-fixtures.ts";
import { tamperLastChar } from "../helpers/tamper.ts";

setDefaultTimeout(60_000);

let d: RunningDaemon;
let s: HttpSession;
let other: HttpSession;

beforeAll(async () => {
  const home = tempHome();
  seedAgents(home.roots);
  d = await startWebDaemon({ home });
  s = await loginOverHttp(d);
  other = await loginOverHttp(d);
});
afterAll(async () => {
  await d?.stop();
  d?.home.cleanup();
});

/** Snapshot of observable state: audit ids and the catalog. */
async function state(): Promise<string> {
  const events = (await auditEvents(d)).map((e) => `${e.id}:${e.action}`);
  const agents = await (await d.api("/api/v1/agents?limit=1000")).json();
  return JSON.stringify({ events, agents });
}

function expectForbiddenJson(r: { status: number; headers: Record<string, string>; body: string }) {
  expect(r.status).toBe(403);
  expect(r.headers["content-type"]).toContain("application/json");
  expect(JSON.parse(r.body).error.code).toBe("forbidden");
  expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
}

describe("Host header (DNS rebinding)", () => {
  const foreign = () => [
    "evil.com",
    `evil.com:${d.port}`,
    `127.0.0.1.nip.io:${d.port}`,
    `printer.local:${d.port}`,
    `${hostname()}:${d.port}`,
    `${hostname()}.local:${d.port}`,
    "127.0.0.1:9999",
    `127.0.0.1:${d.port === 80 ? 81 : 80}`,
    "127.0.0.1",
    `127.0.0.2:${d.port}`,
    `localhost.:${d.port}`,
    `localhost.evil.com:${d.port}`,
    `0.0.0.0:${d.port}`,
    `[::1]:${d.port + 1}`,
    `127.0.0.1:${d.port}@evil.com`,
    `127.0.0.1:0${d.port}`,
    "",
  ];

  test("foreign or malformed Host → 403 JSON before any handler, even with the admin token", async () => {
    const before = await state();
    for (const host of foreign()) {
      for (const path of ["/api/v1/health", "/agents", "/login", "/assets/app.css", "/nope"]) {
        const r = await getWithHost(d.port, path, host, [`Authorization: Bearer ${d.token}`]);
        if (r.status !== 403) throw new Error(`Host ${JSON.stringify(host)} ${path} → ${r.status}`);
        expectForbiddenJson(r);
      }
      // A state-changing call with every credential but the wrong Host.
      const post = await rawRequest(d.port, ["POST /api/v1/discovery/run HTTP/1.1", `Host: ${host}`, `Authorization: Bearer ${d.token}`, "Content-Type: application/json"], "{}");
      expectForbiddenJson(post);
      const form = await rawRequest(
        d.port,
        ["POST /actions/rescan HTTP/1.1", `Host: ${host}`, `Cookie: ${s.cookie}`, `Origin: http://${host}`, "Content-Type: application/x-www-form-urlencoded"],
        `_csrf=${s.csrf}`,
      );
      expectForbiddenJson(form);
    }
    expect(await state()).toBe(before);
  });

  test("no Host header at all is refused", async () => {
    const r = await rawRequest(d.port, ["GET /api/v1/health HTTP/1.1", `Authorization: Bearer ${d.token}`]);
    expect([400, 403]).toContain(r.status);
    const r10 = await rawRequest(d.port, ["GET /api/v1/health HTTP/1.0", `Authorization: Bearer ${d.token}`]);
    expect([400, 403]).toContain(r10.status);
  });

  test("an absolute-form target cannot smuggle another authority", async () => {
    // Bun drops the authority of an absolute-form target and keeps the Host header, which is what we check.
    const foreignHost = await rawRequest(d.port, [`GET http://127.0.0.1:${d.port}/api/v1/health HTTP/1.1`, "Host: evil.com", `Authorization: Bearer ${d.token}`]);
    expectForbiddenJson(foreignHost);
  });

  test("loopback names with the right port are accepted", async () => {
    for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `[::1]:${d.port}`, `admin.localhost:${d.port}`, `LOCALHOST:${d.port}`]) {
      const r = await getWithHost(d.port, "/api/v1/health", host, [`Authorization: Bearer ${d.token}`]);
      if (r.status !== 200) throw new Error(`Host ${host} → ${r.status} ${r.body}`);
    }
  });
});

describe("Origin and CSRF on state-changing requests", () => {
  const rescan = (headers: Record<string, string>, body: string) =>
    fetch(`${d.url}/actions/rescan`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });

  test("cross-origin POST with a valid session but no CSRF token → 403, nothing changes", async () => {
    const before = await state();
    for (const origin of ["http://evil.com", `http://127.0.0.1:${d.port}.evil.com`, "http://127.0.0.1:9999", `http://localhost:${d.port}`, `https://127.0.0.1:${d.port}`, "null"]) {
      const r = await rescan({ cookie: s.cookie, origin }, "");
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      // Even with the right CSRF token, a foreign Origin is refused.
      const withCsrf = await rescan({ cookie: s.cookie, origin }, `_csrf=${s.csrf}`);
      expect(withCsrf.status).toBe(403);
    }
    expect(await state()).toBe(before);
  });

  test("same-origin POST without a CSRF token, or with another session's token, → 403", async () => {
    const before = await state();
    expect((await rescan({ cookie: s.cookie, origin: d.url }, "")).status).toBe(403);
    expect((await rescan({ cookie: s.cookie, origin: d.url }, `_csrf=${other.csrf}`)).status).toBe(403);
    expect((await rescan({ cookie: s.cookie, origin: d.url, "x-csrf-token": other.csrf }, "")).status).toBe(403);
    expect((await rescan({ cookie: s.cookie, origin: d.url }, `_csrf=${tamperLastChar(s.csrf)}`)).status).toBe(403);
    expect(await state()).toBe(before);
  });

  test("no Origin and no (or a foreign) Referer → 403; the right Referer is accepted", async () => {
    const before = await state();
    expect((await rescan({ cookie: s.cookie }, `_csrf=${s.csrf}`)).status).toBe(403);
    expect((await rescan({ cookie: s.cookie, referer: `http://127.0.0.1:${d.port}.evil.com/agents` }, `_csrf=${s.csrf}`)).status).toBe(403);
    expect(await state()).toBe(before);
    const ok = await rescan({ cookie: s.cookie, referer: `${d.url}/agents` }, `_csrf=${s.csrf}`);
    expect(ok.status).toBe(303);
  });

  test("positive control: same Origin + own CSRF token (form field or header) → 303 and audited as ui", async () => {
    const n = (await auditEvents(d)).filter((e) => e.action === "discovery.run" && e.actor === "ui").length;
    expect((await rescan({ cookie: s.cookie, origin: d.url }, `_csrf=${s.csrf}`)).status).toBe(303);
    expect((await rescan({ cookie: s.cookie, origin: d.url, "x-csrf-token": s.csrf }, "")).status).toBe(303);
    expect((await auditEvents(d)).filter((e) => e.action === "discovery.run" && e.actor === "ui").length).toBe(n + 2);
  });

  test("bearer API calls need no CSRF, but a present Origin must match", async () => {
    const run = (headers: Record<string, string>) => d.api("/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    const before = await state();
    for (const origin of [`http://127.0.0.1:${d.port}.evil.com`, "http://127.0.0.1:9999", "http://evil.com", "null"]) {
      expect((await run({ origin })).status).toBe(403);
    }
    expect(await state()).toBe(before);
    expect((await run({})).status).toBe(200);
    expect((await run({ origin: d.url })).status).toBe(200);
  });

  test("a session cookie cannot call the API's POST routes without CSRF", async () => {
    const before = await state();
    const r = await fetch(`${d.url}/api/v1/discovery/run`, { method: "POST", headers: { cookie: s.cookie, origin: d.url, "content-type": "application/json" }, body: "{}" });
    expect(r.status).toBe(403);
    expect(await state()).toBe(before);
    const ok = await fetch(`${d.url}/api/v1/discovery/run`, { method: "POST", headers: { cookie: s.cookie, origin: d.url, "x-csrf-token": s.csrf, "content-type": "application/json" }, body: "{}" });
    expect(ok.status).toBe(200);
  });
});

describe("no CORS, ever", () => {
  test("preflights and cross-origin reads get no Access-Control-* headers", async () => {
    const before = await state();
    const pre = await fetch(`${d.url}/api/v1/discovery/run`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect([403, 405]).toContain(pre.status);
    const read = await fetch(`${d.url}/api/v1/agents`, { headers: { origin: "http://evil.com", authorization: `Bearer ${d.token}` } });
    expect(read.status).toBe(403);
    for (const r of [pre, read]) {
      expect(corsHeaders(r.headers)).toEqual([]);
    }
    for (const method of ["TRACE", "CONNECT", "PROPFIND"]) {
      const r = await rawRequest(d.port, [`${method} /api/v1/health HTTP/1.1`, `Host: 127.0.0.1:${d.port}`, `Authorization: Bearer ${d.token}`]);
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    expect(await state()).toBe(before);
  });
});
