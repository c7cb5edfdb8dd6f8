/**
 * The JSON API and static assets of the compiled daemon: endpoints over the
 * service layer, the one error mapping, bearer authentication, security
 * headers on every kind of response, asset map lookups and traversal, and
 * hostile manifest text escaped in pages.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { corsHeaders, rawRequest } from "../helpers/raw-http.ts";
import { auditEvents, type HttpSession, type RunningDaemon } from "../helpers/web-daemon.ts";
import { seededDaemon, stopSeededDaemon, XSS_DESCRIPTION } from "../helpers/web-fixtures.ts";
import { tamperLastChar } from "../helpers/tamper.ts";

setDefaultTimeout(60_000);

let d: RunningDaemon;
let s: HttpSession;

beforeAll(async () => {
  ({ d, s } = await seededDaemon());
});
afterAll(() => stopSeededDaemon(d));

const json = async (r: Response) => (await r.json()) as Record<string, unknown> & { error?: { code: string; message: string } };

describe("endpoints", () => {
  test("health and version", async () => {
    const h = await json(await d.api("/api/v1/health"));
    expect(h.status).toBe("ok");
    expect(h.pid).toBe(d.proc.pid);
    const v = await json(await d.api("/api/v1/version"));
    expect(typeof v.version).toBe("string");
  });

  test("agents list and search take the CLI's filters", async () => {
    const all = (await json(await d.api("/api/v1/agents"))) as unknown as { total: number; agents: Array<{ id: string }> };
    expect(all.total).toBe(6);
    const q = (await json(await d.api("/api/v1/agents?q=umbrella"))) as unknown as { agents: Array<{ id: string }> };
    expect(q.agents.map((a) => a.id)).toEqual(["com.example.weather"]);
    const cap = (await json(await d.api("/api/v1/agents?capability=summarize"))) as unknown as { agents: Array<{ id: string }> };
    expect(cap.agents.map((a) => a.id)).toEqual(["com.example.summarizer"]);
    const integ = (await json(await d.api("/api/v1/agents?integration=slack&limit=1"))) as unknown as { total: number; agents: unknown[] };
    expect(integ.total).toBe(2);
    expect(integ.agents.length).toBe(1);
    const invalid = (await json(await d.api("/api/v1/agents?status=invalid&source=local"))) as unknown as { agents: Array<{ name: string }> };
    expect(invalid.agents.map((a) => a.name)).toEqual(["Broken Agent"]);
    const trust = (await json(await d.api("/api/v1/agents?min-trust=0.5"))) as unknown as { total: number };
    expect(trust.total).toBe(0);
  });

  test("agent info by id, 404 for an unknown one", async () => {
    const a = await json(await d.api("/api/v1/agents/com.example.weather"));
    expect(a.name).toBe("Weather Reporter");
    expect(a.permissionsRequested).toEqual(["network:egress:api.weather.example", "env:read:WEATHER_API_KEY"]);
    const missing = await d.api("/api/v1/agents/com.example.nope");
    expect(missing.status).toBe(404);
    expect((await json(missing)).error?.code).toBe("not_found");
  });

  test("audit with filters and cursor pagination", async () => {
    const page1 = (await json(await d.api("/api/v1/audit?limit=2"))) as unknown as { events: Array<{ id: number }>; next_before: number };
    expect(page1.events.length).toBe(2);
    const page2 = (await json(await d.api(`/api/v1/audit?limit=2&before=${page1.next_before}`))) as unknown as { events: Array<{ id: number }> };
    expect(page2.events[0]!.id).toBeLessThan(page1.events[1]!.id + 1);
    const logins = (await json(await d.api("/api/v1/audit?action=auth.login&since=1h"))) as unknown as { events: Array<{ action: string; actor: string }> };
    expect(logins.events.length).toBeGreaterThan(0);
    expect(logins.events.every((e) => e.action === "auth.login" && e.actor === "ui")).toBe(true);
  });

  test("discovery run is audited with the caller: api, or cli when the CLI says so", async () => {
    const run = (headers: Record<string, string> = {}) => d.api("/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    const r = await run();
    expect(r.status).toBe(200);
    expect(((await r.json()) as { found: number }).found).toBe(6);
    await run({ "x-opensentience-client": "cli" });
    const [cli, api] = (await auditEvents(d)).filter((e) => e.action === "discovery.run");
    expect(cli!.actor).toBe("cli");
    expect(api!.actor).toBe("api");
    // The CLI marker is ignored without the bearer token (a browser session stays `ui`).
    await fetch(`${d.url}/api/v1/discovery/run`, { method: "POST", headers: { cookie: s.cookie, origin: d.url, "x-csrf-token": s.csrf, "x-opensentience-client": "cli", "content-type": "application/json" }, body: "{}" });
    expect((await auditEvents(d)).find((e) => e.action === "discovery.run")!.actor).toBe("ui");
  });
});

describe("errors: one mapping, JSON bodies", () => {
  test("unknown route 404, bad JSON 400, validation 400 with the field", async () => {
    const nf = await d.api("/api/v1/nope");
    expect(nf.status).toBe(404);
    expect((await json(nf)).error?.code).toBe("not_found");
    const bad = await d.api("/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error?.code).toBe("invalid_argument");
    const shape = await d.api("/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: '{"paths":"nope"}' });
    expect(shape.status).toBe(400);
    expect((await json(shape)).error?.message).toContain("paths");
    for (const q of ["limit=0", "limit=abc", "status=bogus", "min-trust=2", "source=x", "typo=1", `q=${"x".repeat(600)}`]) {
      const r = await d.api(`/api/v1/agents?${q}`);
      expect(r.status).toBe(400);
      expect((await json(r)).error?.code).toBe("invalid_argument");
    }
    const since = await d.api("/api/v1/audit?since=yesterday-ish");
    expect(since.status).toBe(400);
    expect((await json(since)).error?.message).toContain("since");
  });
});

describe("bearer authentication", () => {
  test("missing, malformed or wrong tokens → 401 and nothing is recorded", async () => {
    const before = (await auditEvents(d)).length;
    const lastByte = tamperLastChar(d.token);
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: "" },
      { authorization: `Bearer ${lastByte}` },
      { authorization: `Bearer ${d.token}x` },
      { authorization: `Bearer ${d.token.slice(0, -1)}` },
      { authorization: `bearer ${d.token}` },
      { authorization: `Basic ${btoa(`admin:${d.token}`)}` },
      { authorization: `Bearer  ${d.token}` },
      { authorization: "Bearer " },
    ];
    for (const headers of variants) {
      const r = await fetch(`${d.url}/api/v1/agents`, { headers });
      if (r.status !== 401) throw new Error(`${JSON.stringify(headers)} → ${r.status}`);
      expect((await json(r)).error?.code).toBe("unauthorized");
      const post = await fetch(`${d.url}/api/v1/discovery/run`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });
      expect(post.status).toBe(401);
    }
    expect((await auditEvents(d)).length).toBe(before);
  });

  test("bearer tokens are not accepted outside /api", async () => {
    const r = await fetch(`${d.url}/agents`, { headers: { authorization: `Bearer ${d.token}` }, redirect: "manual" });
    expect(r.status).toBe(401);
  });
});

describe("security headers on every response", () => {
  test("pages, API, assets, redirects and errors all carry them; never CORS", async () => {
    const page = await fetch(`${d.url}/agents`, { headers: { cookie: s.cookie } });
    const html = await page.text();
    const assetPaths = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    // Every asset the page references is a content-hashed name from the embedded map.
    expect(assetPaths.every((p) => /^\/assets\/[a-z-]+\.[0-9a-f]{10}\.(css|js|svg)$/.test(p))).toBe(true);
    for (const name of ["favicon", "app", "alpine-csp"]) expect(assetPaths.some((p) => p.startsWith(`/assets/${name}.`))).toBe(true);
    const responses: Array<[string, Response, "no-store" | "immutable"]> = [
      ["page", page, "no-store"],
      ["api", await d.api("/api/v1/health"), "no-store"],
      ["api 404", await d.api("/api/v1/nope"), "no-store"],
      ["api 401", await fetch(`${d.url}/api/v1/health`), "no-store"],
      ["page 404", await fetch(`${d.url}/nope`, { headers: { cookie: s.cookie } }), "no-store"],
      ["redirect", await fetch(`${d.url}/agents`, { redirect: "manual" }), "no-store"],
      ["login", await fetch(`${d.url}/login`), "no-store"],
      ["403", await fetch(`${d.url}/api/v1/health`, { headers: { origin: "http://evil.com" } }), "no-store"],
      ["asset 404", await fetch(`${d.url}/assets/nope.css`), "no-store"],
      ...(await Promise.all(assetPaths.map(async (p) => [p, await fetch(`${d.url}${p}`), "immutable"] as [string, Response, "immutable"]))),
    ];
    for (const [name, r, cache] of responses) {
      const h = r.headers;
      const ctx = `${name} (${r.status})`;
      expect(`${ctx}: ${h.get("content-security-policy")}`).toBe(
        `${ctx}: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`,
      );
      expect(`${ctx}: ${h.get("x-frame-options")} ${h.get("x-content-type-options")} ${h.get("referrer-policy")}`).toBe(`${ctx}: DENY nosniff no-referrer`);
      expect(`${ctx}: ${h.get("cross-origin-opener-policy")} ${h.get("cross-origin-resource-policy")}`).toBe(`${ctx}: same-origin same-origin`);
      expect(`${ctx}: ${h.get("cache-control")}`).toBe(`${ctx}: ${cache === "immutable" ? "public, max-age=31536000, immutable" : "no-store"}`);
      expect(corsHeaders(h)).toEqual([]);
    }
    const types = Object.fromEntries(responses.filter(([n]) => n.startsWith("/assets/")).map(([n, r]) => [n.replace(/\.[0-9a-f]{10}\./, "."), r.headers.get("content-type")]));
    const byExtension = { css: "text/css; charset=utf-8", js: "text/javascript; charset=utf-8", svg: "image/svg+xml" } as const;
    for (const [name, type] of Object.entries(types)) expect(`${name}: ${type}`).toBe(`${name}: ${byExtension[name.split(".").pop() as keyof typeof byExtension]}`);
    expect(Object.keys(types)).toEqual(expect.arrayContaining(["/assets/app.css", "/assets/app.js", "/assets/alpine-csp.js", "/assets/favicon.svg"]));
  });
});

describe("assets", () => {
  test("traversal and encoding tricks never leave the in-memory map", async () => {
    const targets = [
      "/assets/../admin.token",
      "/assets/..%2fadmin.token",
      "/assets/..%2F..%2Fadmin.token",
      "/assets/%2e%2e/admin.token",
      "/assets/%2e%2e%2fadmin.token",
      "/assets/%252e%252e%252fadmin.token",
      "/assets/..%5cadmin.token",
      "/assets/..\\admin.token",
      "/assets/....//admin.token",
      "/assets/%2fetc%2fpasswd",
      "/assets//etc/passwd",
      "/assets/app.css%00.js",
      "/assets/.%2e/.%2e/daemon.json",
      "/assets/%c0%ae%c0%ae/admin.token",
      "/assets/",
      "/assets",
    ];
    for (const t of targets) {
      const r = await rawRequest(d.port, [`GET ${t} HTTP/1.1`, `Host: 127.0.0.1:${d.port}`, `Cookie: ${s.cookie}`]);
      if (r.status !== 404) throw new Error(`${t} → ${r.status}`);
      expect(r.body).not.toContain(d.token);
      expect(r.body).not.toContain("root:");
      expect(r.body).not.toContain('"nonce"');
    }
  });
});

describe("hostile manifest text", () => {
  test("shown escaped in the list and detail pages", async () => {
    for (const path of ["/agents", "/agents/com.example.hostile", "/agents?q=reads"]) {
      const html = await (await fetch(`${d.url}${path}`, { headers: { cookie: s.cookie } })).text();
      expect(html).not.toContain("<script>window.__xss");
      expect(html).not.toContain('<img src=x onerror="window.__xss=2">');
      expect(html).not.toContain("<b>bold</b>");
      expect(html).not.toContain("<svg onload");
      expect(html).toContain("&lt;script&gt;window.__xss");
      expect(html).toContain("Evil &lt;b&gt;bold&lt;/b&gt;");
    }
    const detail = await (await fetch(`${d.url}/agents/com.example.hostile`, { headers: { cookie: s.cookie } })).text();
    expect(detail).toContain("&quot;&gt;&lt;img src=x onerror=");
    // The only scripts are our hashed assets (no inline code), with Alpine last so components register first.
    const scripts = [...detail.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.every((t) => /^<script src="\/assets\/[a-z-]+\.[0-9a-f]{10}\.js" defer>$/.test(t))).toBe(true);
    expect(scripts[0]).toMatch(/^<script src="\/assets\/app\./);
    expect(scripts.at(-1)).toMatch(/^<script src="\/assets\/alpine-csp\./);
    void XSS_DESCRIPTION;
  });
});
