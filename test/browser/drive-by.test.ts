/**
 * Drive-by attacks from a real browser that is logged in to the UI: a page on
 * another local origin tries to frame the UI, POST a form to it, and call the
 * API with fetch. All must fail and nothing may change.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Server } from "bun";
import { launchBrowser, type LaunchedBrowser } from "../helpers/browser.ts";
import { auditEvents, type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";
import { seedAgents } from "../helpers/web-fixtures.ts";

setDefaultTimeout(60_000);

let daemon: RunningDaemon;
let browser: LaunchedBrowser;
let attacker: Server<undefined>;

/** Pages an attacker could host on another port of this machine (same site, other origin). */
function attackerPages(target: string): Record<string, string> {
  return {
    "/frame": `<!doctype html><h1>evil</h1><iframe id="f" src="${target}/agents" width="800" height="600"></iframe>`,
    "/post": `<!doctype html><form id="f" method="post" action="${target}/actions/rescan"><input name="_csrf" value="guess"></form>
      <script>document.getElementById("f").submit()</script>`,
    "/post-logout": `<!doctype html><form id="f" method="post" action="${target}/logout"></form><script>document.getElementById("f").submit()</script>`,
    "/fetch": `<!doctype html><script>
      window.results = {};
      const t = ${JSON.stringify(target)};
      Promise.allSettled([
        fetch(t + "/api/v1/discovery/run", { method: "POST", mode: "no-cors", credentials: "include", body: "{}" }).then(r => "sent:" + r.type),
        fetch(t + "/actions/rescan", { method: "POST", mode: "no-cors", credentials: "include", body: "_csrf=x", headers: { "content-type": "application/x-www-form-urlencoded" } }).then(r => "sent:" + r.type),
        fetch(t + "/api/v1/agents", { credentials: "include" }).then(r => r.text()),
        fetch(t + "/agents", { credentials: "include" }).then(r => r.text()),
      ]).then(rs => { window.results = rs.map(r => r.status === "fulfilled" ? String(r.value).slice(0, 40) : "blocked"); window.done = true; });
    </script>`,
  };
}

beforeAll(async () => {
  const home = tempHome();
  seedAgents(home.roots);
  daemon = await startWebDaemon({ home });
  const pages = attackerPages(daemon.url);
  attacker = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => new Response(pages[new URL(req.url).pathname] ?? "not found", { headers: { "content-type": "text/html" } }),
  });
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(daemon.loginUrl);
  expect(page.url()).toBe(`${daemon.url}/agents`);
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  attacker?.stop(true);
  await daemon?.stop();
  daemon?.home.cleanup();
});

const evil = (path: string) => `http://127.0.0.1:${attacker.port}${path}`;
const snapshot = async () => JSON.stringify((await auditEvents(daemon)).map((e) => [e.id, e.action, e.actor]));

test("another origin cannot frame the UI (frame-ancestors 'none', X-Frame-Options DENY)", async () => {
  const page = await browser.newPage();
  const blocked = page.waitForEvent("console", { predicate: (m) => /frame-ancestors|X-Frame-Options|refused to (display|frame)/i.test(m.text()), timeout: 10_000 }).catch(() => null);
  await page.goto(evil("/frame"));
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(frame).toBeDefined();
  await frame!.waitForLoadState().catch(() => {});
  const framedShell = await frame!.evaluate(() => document.querySelector(".shell") !== null).catch(() => false);
  expect(framedShell).toBe(false);
  expect(await blocked).not.toBeNull();
  await page.close();
});

test("a cross-origin form POST (the session cookie IS sent: same site) is refused; nothing changes", async () => {
  const before = await snapshot();
  const page = await browser.newPage();
  const response = page.waitForResponse((r) => r.url() === `${daemon.url}/actions/rescan`);
  await page.goto(evil("/post"));
  const r = await response;
  expect(r.status()).toBe(403);
  expect(r.request().headers().cookie ?? (await r.request().allHeaders()).cookie).toContain(`os_session_${daemon.port}=`);
  expect(JSON.parse(await r.text()).error.code).toBe("forbidden");
  const logout = page.waitForResponse((x) => x.url() === `${daemon.url}/logout`);
  await page.goto(evil("/post-logout"));
  expect((await logout).status()).toBe(403);
  expect(await snapshot()).toBe(before);
  // Still logged in: the logout attempt did not work either.
  const check = await page.goto(`${daemon.url}/agents`);
  expect(check?.status()).toBe(200);
  expect(page.url()).toBe(`${daemon.url}/agents`);
  await page.close();
});

test("cross-origin fetch cannot change state or read anything", async () => {
  const before = await snapshot();
  const page = await browser.newPage();
  await page.goto(evil("/fetch"));
  await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true);
  const results = await page.evaluate(() => (window as unknown as { results: string[] }).results);
  // Writes are opaque fire-and-forget at best; reads are blocked by the absence of CORS.
  expect(results[2]).toBe("blocked");
  expect(results[3]).toBe("blocked");
  expect(await snapshot()).toBe(before);
  await page.close();
});
