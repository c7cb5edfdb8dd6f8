/**
 * The agent page's "Tool calls" card in Chromium against the compiled daemon
 * and the real echo agent: a call made elsewhere (the API) shows up in the
 * per-tool table without a reload, with its SVG latency chart; errors count
 * in the error rate; no console errors or CSP violations.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { launchBrowser, type LaunchedBrowser, pageErrors, screenshot } from "../helpers/browser.ts";
import { waitFor } from "../helpers/binary.ts";
import { ECHO, forbidDialogs, liveEnv, type LiveEnv } from "./live-fixture.ts";

setDefaultTimeout(120_000);

let env: LiveEnv;
let browser: LaunchedBrowser;
const dialogs: string[] = [];

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-toolstats-", publish: [ECHO], install: [ECHO], run: [ECHO] });
  browser = await launchBrowser();
  const login = await browser.newPage();
  await login.goto(env.loginUrl);
  await login.close();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const cell = (page: Page, tool: string, col: string) => page.locator(`[data-testid="tool-stats-table"] tr[data-tool="${tool}"] [data-col="${col}"]`);

async function untilText(loc: ReturnType<Page["locator"]>, re: RegExp, what: string) {
  return waitFor(async () => {
    const t = ((await loc.count()) ? await loc.first().textContent() : "") ?? "";
    return re.test(t.trim()) ? { text: t } : null;
  }, { timeoutMs: 30_000, what });
}

const call = (tool: string, args: unknown) => env.api("/api/v1/tools/call", { body: { tool: `${ECHO}/${tool}`, arguments: args } });

describe("per-tool stats on the agent page", () => {
  test("a call made elsewhere appears in the table live, with its latency chart", async () => {
    const page = await browser.newPage();
    forbidDialogs(page, dialogs);
    await page.goto(`${env.url}/agents/${ECHO}`);
    await page.locator(".live-indicator.live-live").waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 1));
    await expect(page.locator('[data-testid="tool-stats-empty"]').textContent()).resolves.toContain("No tool calls recorded yet");

    expect((await call("echo", { text: "live" })).status).toBe(200);
    await untilText(cell(page, "echo", "hour-calls"), /^1$/, "echo's first call in the table");
    await expect(cell(page, "echo", "hour-errors").textContent()).resolves.toBe("0%");
    await expect(cell(page, "echo", "hour-p50").textContent()).resolves.toMatch(/ms$/);

    expect((await call("echo", { text: "again" })).status).toBe(200);
    expect((await call("fail", {})).status).not.toBe(200);
    await untilText(cell(page, "echo", "hour-calls"), /^2$/, "echo's second call");
    await untilText(cell(page, "fail", "hour-errors"), /^100%$/, "fail's error rate");
    await expect(cell(page, "echo", "retained-calls").textContent()).resolves.toBe("2");
    const chart = page.locator('tr[data-tool="echo"] svg[data-testid="tool-chart"]');
    await expect(chart.getAttribute("aria-label")).resolves.toMatch(/Last hour: 2 calls/);
    await expect(chart.locator("rect").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-testid="tool-stats-summary"]').textContent()).resolves.toMatch(/Uptime .* restarts 0/);
    // Same document all along: updated over the event stream, not reloaded.
    await expect(page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).resolves.toBe(1);
    await screenshot(page, "agent-tool-stats");
    expect(pageErrors(page)).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
