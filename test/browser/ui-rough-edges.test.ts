/**
 * Issue 17's UI findings in Chromium against the compiled daemon and the real
 * Elixir example agents (echo installed, enabled and running; assistant
 * installed but not enabled): the Enable dialog never offers a primary button
 * that silently approves nothing; the audit page renders details as key/value
 * pairs (raw JSON one click away) in rows that are not squeezed, with a
 * canceled call shown as canceled; permission cells never wrap one letter per
 * line; a reinstall starts without the old install's last exit; the chat
 * transcript keeps its height with the tool form open at 1280×800; numbers in
 * number inputs; the web 404 gives web advice; a deep link survives the login
 * (never an open redirect); the Logs rows say "lifecycle" like the filter
 * chip; a skip link. Screenshots go to test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { launchBrowser, type LaunchedBrowser, pageErrors, screenshot, SCREENSHOT_DIR } from "../helpers/browser.ts";
import { waitFor } from "../helpers/binary.ts";
import { ASSISTANT, ECHO, forbidDialogs, liveEnv, type LiveEnv, waitState } from "./live-fixture.ts";
import { join } from "node:path";

setDefaultTimeout(120_000);

let env: LiveEnv;
let browser: LaunchedBrowser;
const dialogs: string[] = [];

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-rough-", publish: [ECHO, ASSISTANT], install: [ECHO, ASSISTANT], enable: [ECHO], run: [ECHO] });
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function open(path: string, viewport: "normal" | "narrow" = "normal"): Promise<Page> {
  const page = await browser.newPage(viewport);
  forbidDialogs(page, dialogs);
  await page.goto(env.loginUrl);
  await page.goto(`${env.url}${path}`);
  return page;
}

/** How many text lines an element's box holds (its height over its computed line height). */
const lineCount = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const lh = Number.parseFloat(getComputedStyle(e).lineHeight) || 18;
      return Math.round(e.getBoundingClientRect().height / lh);
    }),
  );

describe("Enable (finding 4)", () => {
  test("each permission in plain words, 'Approve all N requested', and no primary button that approves nothing", async () => {
    const page = await open(`/agents/${ASSISTANT}`);
    await page.click('button[data-action="enable"]');
    const dialog = page.locator("dialog[open]");
    const primary = dialog.locator('button[data-confirm="enable"]');
    await expect(dialog.locator('input[name="approve"]').count()).resolves.toBe(2);
    await expect(dialog.locator(".perm-option:not(.perm-all) .perm-desc").allTextContents()).resolves.toEqual([
      `Call any tool of ${ECHO}`,
      "Call any tool of com.opensentience.examples.invoker",
    ]);
    // Nothing ticked: disabled, and never "Enable without permissions".
    await expect(primary.isDisabled()).resolves.toBe(true);
    await expect(primary.textContent()).resolves.not.toContain("without");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "enable-dialog-nothing-ticked.png"), animations: "disabled" });

    // Enabling with none approved is possible, but only as a confirmed, accurately named choice.
    await dialog.locator('[data-testid="enable-none"] input').check();
    await expect(primary.isDisabled()).resolves.toBe(false);
    await expect(primary.textContent()).resolves.toContain("Enable with no permissions");
    await dialog.locator('[data-testid="enable-none"] input').uncheck();
    await expect(primary.isDisabled()).resolves.toBe(true);

    // The explicit "Approve all" ticks every requested permission; unticking one says so.
    const all = dialog.locator(".perm-all");
    await expect(all.textContent()).resolves.toContain("Approve all 2 requested");
    await all.locator("input").check();
    await expect(dialog.locator('input[name="approve"]:checked').count()).resolves.toBe(2);
    await expect(primary.textContent()).resolves.toContain("Enable with all 2 approved");
    await expect(dialog.locator('[data-testid="enable-none"]').isVisible()).resolves.toBe(false);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "enable-approve-all.png"), animations: "disabled" });
    await dialog.locator(`input[name="approve"][value="tool:invoke:com.opensentience.examples.invoker/*"]`).uncheck();
    await expect(all.locator("input").isChecked()).resolves.toBe(false);
    await expect(primary.textContent()).resolves.toContain("Enable with 1 of 2 approved");

    // The server approves exactly what was ticked.
    await Promise.all([page.waitForURL(/done=enabled/), primary.click()]);
    const approvals = await env.api<{ enabled: boolean; approved: string[]; notApproved: string[] }>(`/api/v1/agents/${ASSISTANT}/approvals`);
    expect(approvals.body).toMatchObject({ enabled: true, approved: [`tool:invoke:${ECHO}/*`], notApproved: ["tool:invoke:com.opensentience.examples.invoker/*"] });
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  test("permission cells wrap at ':', '.' or '/', never one letter per line (wide and narrow)", async () => {
    for (const viewport of ["normal", "narrow"] as const) {
      const page = await open(`/agents/${ASSISTANT}`, viewport);
      if (viewport === "normal") await page.setViewportSize({ width: 1280, height: 800 });
      const widths = await page.locator("td.perm-cell").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
      expect(widths.length).toBe(2);
      for (const w of widths) expect(w, viewport).toBeGreaterThan(150);
      // "tool:invoke:com.opensentience.examples.invoker/*" in at most three lines (it was one letter per line).
      for (const n of await lineCount(page, "td.perm-cell .perm-string")) expect(n, viewport).toBeLessThanOrEqual(3);
      await screenshot(page, `permissions-${viewport}`);
      await page.close();
    }
  });
});

describe("Audit page (finding 5)", () => {
  test("details as key/value pairs with the JSON one click away; 50 rows fit in a normal page; a canceled call reads canceled", async () => {
    // 49 quick calls and one the caller cancels (the HTTP client goes away mid-stream).
    for (let i = 0; i < 49; i++) {
      const r = await env.api(`/api/v1/tools/call`, { body: { tool: `${ECHO}/echo`, arguments: { text: `hello ${i}` } } });
      expect(r.status).toBe(200);
    }
    const ctl = new AbortController();
    const res = await fetch(`${env.url}/api/v1/tools/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.token}`, "content-type": "application/json" },
      body: JSON.stringify({ tool: `${ECHO}/slow_count`, arguments: { n: 1000, interval_ms: 50 }, stream: true }),
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the first progress line: the call is running
    ctl.abort();
    await waitFor(async () => {
      const ev = (await env.api<{ events: Array<{ outcome: string; details: { tool?: string; error?: string } }> }>("/api/v1/audit?action=tool.call&limit=5")).body.events;
      return ev.some((e) => e.details.tool === `${ECHO}/slow_count` && e.details.error === "canceled");
    }, { what: "the canceled slow_count in the audit log" });

    const page = await open(`/audit?action=tool.call&limit=50`);
    await expect(page.locator(".audit-table tbody.audit-event").count()).resolves.toBe(50);
    const canceled = page.locator('tbody[data-outcome="canceled"]');
    await expect(canceled.count()).resolves.toBe(1);
    await expect(canceled.locator(".badge").textContent()).resolves.toBe("canceled");
    await expect(canceled.locator(".badge").getAttribute("class")).resolves.not.toContain("danger");
    await expect(page.locator('tbody[data-outcome="error"]').count()).resolves.toBe(0);

    // Key/value pairs; nested values compact; raw JSON closed until asked for.
    const row = page.locator('tbody[data-outcome="ok"]').first();
    const keys = await row.locator(".audit-kv dt").allTextContents();
    expect(keys).toEqual(expect.arrayContaining(["tool", "caller", "duration_ms", "arguments"]));
    await expect(row.locator(".audit-kv-pair", { hasText: "arguments" }).locator("dd").textContent()).resolves.toBe('{text: "string"}');
    await expect(row.locator(".raw-json pre").isVisible()).resolves.toBe(false);
    await row.locator(".raw-json summary").click();
    await expect(row.locator(".raw-json pre").isVisible()).resolves.toBe(true);
    expect(JSON.parse((await row.locator(".raw-json pre").textContent())!)).toMatchObject({ tool: `${ECHO}/echo` });
    await row.locator(".raw-json summary").click();

    // Not squeezed: the details run across the table's width under each event's facts, and 50 rows make a page of
    // normal length (the issue measured ~4,800 px with a ~200 px details column).
    const detailsWidth = await row.locator("td.details-cell").evaluate((e) => e.getBoundingClientRect().width);
    expect(detailsWidth).toBeGreaterThan(800);
    const eventHeights = await page.locator("tbody.audit-event").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    const mean = eventHeights.reduce((a, b) => a + b, 0) / eventHeights.length;
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.log(`audit page, 50 tool.call rows at 1366 px wide: ${height} px tall, ${mean.toFixed(1)} px per event, details ${Math.round(detailsWidth)} px wide`);
    expect(mean).toBeLessThan(70);
    expect(height).toBeLessThan(3800);
    await screenshot(page, "audit-tool-calls");
    const narrow = await open(`/audit?action=tool.call&limit=10`, "narrow");
    await screenshot(narrow, "audit-tool-calls-narrow");
    expect(pageErrors(page)).toEqual([]);
    await narrow.close();
    await page.close();
  });
});

describe("chat tool form (finding 10)", () => {
  test("at 1280×800 the transcript keeps its height with the tool form open; integer and number fields are number inputs", async () => {
    const page = await open(`/chat?agent=${ECHO}`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator(".live-indicator.live-live").waitFor();
    await page.locator('[data-action="new-session"]').click();
    await page.locator('[data-testid="chat-title"]', { hasText: "New chat" }).waitFor();
    await page.locator('[data-tab="tool"]').click();
    await page.locator('[data-testid="tool-select"]').selectOption(`${ECHO}/slow_count`);
    await page.locator('[data-name="n"] input').waitFor();
    for (const name of ["n", "interval_ms"]) {
      await expect(page.locator(`[data-name="${name}"] input`).getAttribute("type")).resolves.toBe("number");
      await expect(page.locator(`[data-name="${name}"] input`).getAttribute("step")).resolves.toBe("1");
    }
    await expect(page.locator('[data-name="n"] input').getAttribute("min")).resolves.toBe("1");
    await expect(page.locator('[data-name="n"] input').getAttribute("max")).resolves.toBe("1000");
    const transcript = await page.locator('[data-testid="transcript"]').evaluate((e) => e.getBoundingClientRect().height);
    console.log(`chat transcript with the tool form open at 1280×800: ${Math.round(transcript)} px`);
    expect(transcript).toBeGreaterThanOrEqual(340);
    await screenshot(page, "chat-tool-form-1280");
    await page.locator('[data-testid="tool-select"]').selectOption(`${ECHO}/add`);
    await expect(page.locator('[data-name="a"] input').getAttribute("step")).resolves.toBe("any");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });
});

describe("smaller UI points (finding 10)", () => {
  test("the web 404 for an agent gives web advice, not CLI commands", async () => {
    const page = await open("/agents");
    const res = await page.goto(`${env.url}/agents/com.example.nope`);
    expect(res?.status()).toBe(404);
    const text = (await page.locator(".status-page").textContent())!;
    expect(text).toContain("No agent 'com.example.nope'");
    expect(text).not.toContain("opensentience ");
    await expect(page.locator('[data-testid="search-for-agent"]').getAttribute("href")).resolves.toBe("/agents?q=com.example.nope");
    await screenshot(page, "not-found-agent");
    await page.close();
  });

  test("Logs: the core stream's rows say 'lifecycle', like its filter chip", async () => {
    const page = await open(`/agents/${ECHO}/logs`);
    await page.locator(".log-line.stream-core").first().waitFor();
    await expect(page.locator('.stream-toggle[data-stream="core"]').textContent()).resolves.toContain("lifecycle");
    const labels = new Set(await page.locator(".log-line.stream-core .log-stream").allTextContents());
    expect([...labels]).toEqual(["lifecycle"]);
    await page.close();
  });

  test("a skip link is the first thing Tab reaches and moves focus to the content", async () => {
    const page = await open("/agents");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => ({ cls: document.activeElement?.className, text: document.activeElement?.textContent?.trim() }));
    expect(focused).toEqual({ cls: "skip-link", text: "Skip to content" });
    const box = await page.locator(".skip-link").boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0); // visible while focused
    await page.keyboard.press("Enter");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");
    await page.close();
  });

  test("a reinstalled agent does not show the previous install's last exit", async () => {
    const page = await open(`/agents/${ECHO}`);
    expect((await env.api(`/api/v1/agents/${ECHO}/stop`, { method: "POST", body: {} })).status).toBe(200);
    await waitState(env, ECHO, "stopped");
    await page.reload();
    // This install's exit is shown…
    await expect(page.locator('[data-testid="runtime-last-exit"]').textContent()).resolves.not.toBe("—");
    // (The runtime panel's rows stack, one per line: the audit page's key/value styles do not leak into other lists.)
    const tops = await page.locator(".runtime-kv .kv-row").evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(tops.length);
    await env.run(["agents", "uninstall", ECHO, "--yes"]);
    await env.run(["agents", "install", ECHO, "--yes"], 240_000);
    await page.reload();
    // …the new install starts without one (the daemon still remembers the old exit).
    const rt = await env.api<{ lastExit: unknown }>(`/api/v1/agents/${ECHO}/status`);
    expect(rt.body.lastExit).not.toBeNull();
    await expect(page.locator('[data-testid="runtime-last-exit"]').textContent()).resolves.toBe("—");
    // Live updates keep it hidden too (an agent.status event carries the old exit).
    await env.run(["agents", "enable", ECHO, "--approve-all"]);
    await page.locator(".badges", { hasText: "Enabled" }).first().waitFor();
    await expect(page.locator('[data-testid="runtime-last-exit"]').textContent()).resolves.toBe("—");
    await page.close();
  }, 300_000);

  test("a deep link opened while logged out comes back after login; an outside 'next' is ignored", async () => {
    await browser.context.clearCookies();
    const page = await browser.newPage();
    const deep = `/audit?action=tool.call&limit=5`;
    await page.goto(`${env.url}${deep}`);
    expect(page.url()).toBe(`${env.url}/login?next=${encodeURIComponent(deep)}`);
    await page.fill('input[name="token"]', env.token);
    await Promise.all([page.waitForURL(`${env.url}${deep}`), page.click("form.auth-form button[type=submit]")]);
    await expect(page.locator("h1").textContent()).resolves.toBe("Audit log");

    // The printed login link carries it too; a path to another origin is dropped.
    await browser.context.clearCookies();
    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      await page.goto(`${env.url}/login?token=${env.token}&next=${encodeURIComponent(evil)}`);
      expect(page.url()).toBe(`${env.url}/agents`);
      await browser.context.clearCookies();
    }
    await page.goto(`${env.url}/login?token=${env.token}&next=${encodeURIComponent(`/agents/${ECHO}`)}`);
    expect(page.url()).toBe(`${env.url}/agents/${ECHO}`);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
