/**
 * The admin UI in a real browser (system Chromium via playwright-core) against
 * the compiled binary: log in through the printed URL, list/search/filter,
 * open a detail page, rescan, audit, 404, logout, narrow layout. Screenshots
 * of the main pages go to test-results/screenshots/.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { launchBrowser, type LaunchedBrowser, pageErrors, screenshot } from "../helpers/browser.ts";
import { type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";
import { seedAgents, XSS_DESCRIPTION } from "../helpers/web-fixtures.ts";

setDefaultTimeout(60_000);

let daemon: RunningDaemon;
let browser: LaunchedBrowser;

beforeAll(async () => {
  const home = tempHome();
  seedAgents(home.roots);
  daemon = await startWebDaemon({ home });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  daemon?.home.cleanup();
});

async function auditCount(action: string, actor: string): Promise<number> {
  const r = (await (await daemon.api(`/api/v1/audit?action=${action}&limit=1000`)).json()) as { events: Array<{ actor: string }> };
  return r.events.filter((e) => e.actor === actor).length;
}

test("log in with the printed URL, list, search, filter and open an agent", async () => {
  const page = await browser.newPage();
  const res = await page.goto(daemon.loginUrl);
  expect(res?.status()).toBe(200);
  // Redirected to a URL without the token.
  expect(page.url()).toBe(`${daemon.url}/agents`);
  expect(page.url()).not.toContain(daemon.token);
  const cookies = await browser.context.cookies(daemon.url);
  const session = cookies.find((c) => c.name === `os_session_${daemon.port}`);
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Strict");
  expect(await auditCount("auth.login", "ui")).toBe(1);

  await expect(page.locator("table.agents-table tbody tr").count()).resolves.toBe(6);
  await screenshot(page, "agents-list");
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, "agents-list-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Full-text search through the form.
  await page.fill('input[name="q"]', "forecast");
  await Promise.all([page.waitForURL(/q=forecast/), page.press('input[name="q"]', "Enter")]);
  await expect(page.locator("table.agents-table tbody tr").count()).resolves.toBe(1);
  await expect(page.locator(".agent-name").first().textContent()).resolves.toBe("Weather Reporter");

  // A select change submits the form through the Alpine component (proves Alpine runs under the CSP).
  await page.goto(`${daemon.url}/agents`);
  await Promise.all([page.waitForURL(/status=invalid/), page.selectOption('select[name="status"]', "invalid")]);
  await expect(page.locator(".agent-name").allTextContents()).resolves.toEqual(["Broken Agent"]);
  await screenshot(page, "agents-list-filtered");

  // Pagination links keep the filters.
  await page.goto(`${daemon.url}/agents?limit=2&source=local`);
  await expect(page.locator(".pagination-info").textContent()).resolves.toBe("1–2 of 6");
  await Promise.all([page.waitForURL(/offset=2/), page.click('a[rel="next"]')]);
  expect(page.url()).toContain("source=local");

  // Detail page.
  await page.goto(`${daemon.url}/agents`);
  await Promise.all([page.waitForURL(/\/agents\/com\.example\.weather$/), page.click("text=Weather Reporter")]);
  await expect(page.locator("h1").textContent()).resolves.toBe("Weather Reporter");
  await expect(page.locator("pre.code").textContent()).resolves.toContain('"id": "com.example.weather"');
  await expect(page.locator("table.compact td.perm-cell").allTextContents()).resolves.toEqual(["network:egress:api.weather.example", "env:read:WEATHER_API_KEY"]);
  await expect(page.locator("button[data-action]").evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))).resolves.toEqual(["install", "rescan"]); // a local checkout can be built in place; run controls appear once installed and enabled
  await screenshot(page, "agent-detail");
  expect(pageErrors(page)).toEqual([]);
  await page.close();
});

test("hostile manifest text is shown escaped and never runs", async () => {
  const page = await browser.newPage();
  await page.goto(daemon.loginUrl);
  await page.goto(`${daemon.url}/agents/com.example.hostile`);
  await expect(page.locator(".prose").textContent()).resolves.toBe(XSS_DESCRIPTION);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator("main script, main svg[onload]").count()).toBe(0);
  await screenshot(page, "agent-detail-hostile");
  await page.goto(`${daemon.url}/agents/com.example.broken`);
  await expect(page.locator(".card-danger").textContent()).resolves.toContain("version");
  await screenshot(page, "agent-detail-invalid");
  await page.close();
});

test("rescan from the detail page is audited as ui; audit view filters", async () => {
  const page = await browser.newPage();
  await page.goto(daemon.loginUrl);
  const before = await auditCount("discovery.run", "ui");
  await page.goto(`${daemon.url}/agents/com.example.weather`);
  await Promise.all([page.waitForURL(/rescanned=1/), page.click('button[data-action="rescan"]')]);
  await expect(page.locator(".notice-success").textContent()).resolves.toContain("Rescan finished");
  expect(await auditCount("discovery.run", "ui")).toBe(before + 1);

  await page.goto(`${daemon.url}/audit`);
  await screenshot(page, "audit");
  await page.fill('input[name="action"]', "auth.login");
  await Promise.all([page.waitForURL(/action=auth\.login/), page.click('form.filters button[type="submit"]')]);
  const actions = await page.locator("table.audit-table tbody td[data-label=Action]").allTextContents();
  expect(actions.length).toBeGreaterThan(0);
  expect(new Set(actions)).toEqual(new Set(["auth.login"]));
  await page.goto(`${daemon.url}/logs`);
  await screenshot(page, "logs");
  await page.close();
});

test("404 page, narrow layout with the navigation drawer, logout and the login page", async () => {
  const page = await browser.newPage();
  await page.goto(daemon.loginUrl);
  const nf = await page.goto(`${daemon.url}/no/such/page`);
  expect(nf?.status()).toBe(404);
  await expect(page.locator(".status-code").textContent()).resolves.toBe("404");
  await screenshot(page, "not-found");
  const bad = await page.goto(`${daemon.url}/agents?status=bogus`);
  expect(bad?.status()).toBe(400);
  await expect(page.locator(".status-message").textContent()).resolves.toContain("status");
  await screenshot(page, "error");

  const narrow = await browser.newPage("narrow");
  await narrow.goto(`${daemon.url}/agents`);
  await screenshot(narrow, "agents-list-narrow");
  expect(await narrow.locator(".sidebar").isVisible()).toBe(false);
  await narrow.click(".menu-button");
  expect(await narrow.locator(".sidebar").isVisible()).toBe(true);
  await screenshot(narrow, "nav-open-narrow");
  await narrow.goto(`${daemon.url}/agents/com.example.weather`);
  await screenshot(narrow, "agent-detail-narrow");
  await narrow.goto(`${daemon.url}/audit`);
  await screenshot(narrow, "audit-narrow");
  await narrow.goto(`${daemon.url}/nope`);
  await screenshot(narrow, "not-found-narrow");
  // The only console error is the 404 status of the not-found page itself.
  expect(pageErrors(narrow).filter((e) => !e.includes("status of 404"))).toEqual([]);
  await narrow.close();

  // Logout is a POST with the CSRF token; afterwards pages redirect to the login form.
  await page.goto(`${daemon.url}/agents`);
  await Promise.all([page.waitForURL(/\/login$/), page.click(".sidebar-foot button[type=submit]")]);
  expect(await auditCount("auth.logout", "ui")).toBeGreaterThanOrEqual(1);
  await page.goto(`${daemon.url}/agents`);
  expect(page.url()).toBe(`${daemon.url}/login`);
  await screenshot(page, "login");

  // Wrong token in the form: error shown, audited as denied; the right one logs in.
  await page.fill('input[name="token"]', "0".repeat(64));
  // Await the POST's own answer (waitForLoadState resolved at once: the login page was already loaded), and check
  // its status first, so a failure says what the server answered instead of timing out on a missing notice.
  const [denied] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login"),
    page.click("form.auth-form button[type=submit]"),
  ]);
  expect(denied.status(), await denied.text()).toBe(401);
  await expect(page.locator(".notice-danger").textContent()).resolves.toContain("not valid");
  await screenshot(page, "login-error");
  await page.fill('input[name="token"]', daemon.token);
  await Promise.all([page.waitForURL(/\/agents$/), page.click("form.auth-form button[type=submit]")]);

  const fresh = await browser.newPage("narrow");
  await browser.context.clearCookies();
  await fresh.goto(`${daemon.url}/login`);
  await screenshot(fresh, "login-narrow");
  // Only the deliberate 404 and the rejected wrong token show up as failed loads.
  expect(pageErrors(page).filter((e) => !/status of (400|401|404)/.test(e))).toEqual([]);
  await fresh.close();
  await page.close();
});
