/**
 * The logs view in Chromium against the compiled daemon and the real echo
 * example agent: per-agent tail then live follow (lifecycle lines included),
 * the all-agents view with stream and text filters, and the DOM bound.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { launchBrowser, type LaunchedBrowser, pageErrors, screenshot } from "../helpers/browser.ts";
import { waitFor } from "../helpers/binary.ts";
import { ECHO, INVOKER, liveEnv, type LiveEnv, waitState } from "./live-fixture.ts";

setDefaultTimeout(120_000);

let env: LiveEnv;
let browser: LaunchedBrowser;

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-logs-", publish: [ECHO, INVOKER], install: [ECHO, INVOKER], run: [ECHO] });
  browser = await launchBrowser();
  const login = await browser.newPage();
  await login.goto(env.loginUrl);
  await login.close();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${env.url}${path}`);
  await page.locator(".log-live", { hasText: "Live" }).waitFor();
  return page;
}

const lines = (page: Page) => page.locator(".log-view .log-line");
const visibleTexts = (page: Page) => page.locator(".log-view .log-line:visible .log-text").allTextContents();

describe("logs", () => {
  test("one agent: the tail, then new lines and lifecycle events as they happen", async () => {
    const page = await open(`/agents/${ECHO}/logs`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Logs · Echo (example)");
    await page.locator(".log-line .log-text", { hasText: /^connected \(sdk / }).waitFor();
    const before = await lines(page).count();
    await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 1));
    const r = await env.api<{ state: string }>(`/api/v1/agents/${ECHO}/restart`, { body: {} });
    expect(r.body.state).toBe("running");
    // Core lines from the runtime's log and the status transitions, live.
    await page.locator(".log-line.stream-core .log-text", { hasText: /^starting: / }).nth(1).waitFor();
    await page.locator(".log-line.log-lifecycle .log-text", { hasText: /^state → running \(pid \d+\)$/ }).waitFor();
    await page.locator(".log-line .log-text", { hasText: /^connected \(sdk / }).nth(1).waitFor();
    expect(await lines(page).count()).toBeGreaterThan(before);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(1);
    await screenshot(page, "logs-agent");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  test("all agents: stream toggles, text filter, and at most 2000 lines kept in the page", async () => {
    await waitState(env, ECHO, "running");
    const page = await open("/logs");
    await page.locator(".log-line .log-agent", { hasText: "Echo (example)" }).first().waitFor();
    // Another agent starting shows up in the same view.
    await env.api(`/api/v1/agents/${INVOKER}/run`, { body: {} });
    await page.locator(".log-line .log-agent", { hasText: "Invoker (example)" }).first().waitFor();
    await page.locator(".log-line .log-text", { hasText: /^state → running/ }).first().waitFor();

    // Hide the core stream: only non-core lines stay visible (none here yet).
    const core = await page.locator(".log-line.stream-core:visible").count();
    expect(core).toBeGreaterThan(0);
    await page.locator('.stream-toggle[data-stream="core"]').click();
    await expect(page.locator('.stream-toggle[data-stream="core"]').getAttribute("aria-pressed")).resolves.toBe("false");
    await expect(page.locator(".log-line.stream-core:visible").count()).resolves.toBe(0);
    await page.locator('.stream-toggle[data-stream="core"]').click();
    await expect(page.locator(".log-line.stream-core:visible").count()).resolves.toBe(core);

    // Text filter.
    await page.locator('input[type="search"]').fill("connected");
    const shown = await visibleTexts(page);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((t) => t.includes("connected"))).toBe(true);
    await page.locator('input[type="search"]').fill("");
    await screenshot(page, "logs-all");

    // The page keeps the newest 2000 lines (simulated burst through the component itself).
    await page.evaluate(() => {
      const el = document.querySelector('[x-data="logs"]')!;
      const c = (window as unknown as { Alpine: { $data(e: Element): { append(l: unknown): void } } }).Alpine.$data(el);
      for (let i = 0; i < 2500; i++) c.append({ agentId: "com.opensentience.examples.echo", at: new Date().toISOString(), stream: "stdout", line: `burst ${i}` });
    });
    await expect(lines(page).count()).resolves.toBe(2000);
    await expect(page.locator(".log-view .log-line .log-text").last().textContent()).resolves.toBe("burst 2499");
    await expect(page.locator(".log-status").textContent()).resolves.toContain("dropped");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });
});
