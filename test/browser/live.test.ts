/**
 * Live status in Chromium against the compiled daemon and the real echo
 * example agent: run / stop / restart from the agent page (stop and restart
 * confirmed in a dialog), badges on the agents list changing without a
 * reload, a crash shown as backoff then running again, the hint for agents
 * that cannot run, and pages reconnecting after a daemon restart.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, type LaunchedBrowser, pageErrors, SCREENSHOT_DIR, screenshot } from "../helpers/browser.ts";
import { waitFor } from "../helpers/binary.ts";
import { ECHO, forbidDialogs, INVOKER, liveEnv, type LiveEnv, waitState } from "./live-fixture.ts";

setDefaultTimeout(120_000);

let env: LiveEnv;
let browser: LaunchedBrowser;
const dialogs: string[] = [];

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-live-", publish: [ECHO, INVOKER], install: [ECHO] });
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
  forbidDialogs(page, dialogs);
  await page.goto(`${env.url}${path}`);
  await page.locator(".live-indicator.live-live").waitFor();
  return page;
}

const stateOf = (page: Page) => page.locator('[data-testid="runtime-state"]');
const intentOf = (page: Page) => page.locator('[data-testid="runtime-intent"]');
const runtimeBadges = (page: Page, id = ECHO) => page.locator(`[data-live-agent="${id}"] [data-live-part="runtime"]`);
const kv = (page: Page, label: string) => page.locator(".runtime-kv .kv-row", { has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd");

async function untilText(loc: ReturnType<Page["locator"]>, re: RegExp, what: string, timeoutMs = 30_000) {
  return waitFor(async () => {
    const t = (await loc.textContent()) ?? "";
    return re.test(t) ? { text: t } : null;
  }, { timeoutMs, what });
}

describe("runtime controls and live badges", () => {
  test("run, stop and restart from the agent page; the list page follows without a reload", async () => {
    const list = await open("/agents");
    await list.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 1));
    await expect(runtimeBadges(list).textContent()).resolves.toBe("");
    const detail = await open(`/agents/${ECHO}`);
    await expect(stateOf(detail).textContent()).resolves.toContain("Stopped");
    await expect(intentOf(detail).textContent()).resolves.toContain("Stays stopped");
    await expect(detail.locator('[data-runtime-action="run"]').isEnabled()).resolves.toBe(true);
    await expect(detail.locator('[data-runtime-action="stop"]').isDisabled()).resolves.toBe(true);

    // Run: the panel and the other tab's badges turn to running/healthy.
    await detail.locator('[data-runtime-action="run"]').click();
    await untilText(stateOf(detail), /^\s*Running\s*$/, "running on the detail page");
    // Beside the live state: the persisted intent, which the next daemon start follows.
    await untilText(intentOf(detail), /Will start with the daemon/, "intent running on the detail page");
    await untilText(runtimeBadges(list), /Running.*Healthy/, "running + healthy badges on the list page");
    await untilText(kv(detail, "PID"), /^\d+$/, "a pid");
    await untilText(kv(detail, "Last heartbeat"), /just now|s ago/, "a recent heartbeat");
    await expect(kv(detail, "Restarts").textContent()).resolves.toBe("0");
    await screenshot(detail, "live-agent-running");
    await screenshot(list, "live-agents-list-running");

    // Stop asks first: Cancel and Escape keep it running.
    await detail.locator('[data-runtime-action="stop"]').click();
    const dialog = detail.locator('.dialog-backdrop:not([hidden]) [role="alertdialog"]');
    await dialog.waitFor();
    await expect(dialog.locator(".dialog-title").textContent()).resolves.toBe("Stop this agent?");
    // The viewport (not the full page): the dialog and its backdrop are fixed to it.
    await detail.screenshot({ path: join(SCREENSHOT_DIR, "live-confirm-stop.png") });
    await dialog.locator('[data-runtime-action="confirm-cancel"]').click();
    await dialog.waitFor({ state: "detached" }).catch(() => dialog.waitFor({ state: "hidden" }));
    await detail.locator('[data-runtime-action="stop"]').click();
    await dialog.waitFor();
    await detail.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect((await env.status(ECHO)).state).toBe("running");

    await detail.locator('[data-runtime-action="stop"]').click();
    await detail.locator('.dialog-backdrop:not([hidden]) [data-runtime-action="confirm"]').click();
    await untilText(stateOf(detail), /^\s*Stopped\s*$/, "stopped on the detail page");
    await untilText(intentOf(detail), /Stays stopped/, "intent stopped on the detail page");
    await untilText(runtimeBadges(list), /^$/, "no runtime badge on the list page");
    await untilText(kv(detail, "Last exit"), /^stopped/, "last exit: stopped");

    // Restart (confirmed) gives a new process.
    await detail.locator('[data-runtime-action="run"]').click();
    await untilText(stateOf(detail), /^\s*Running\s*$/, "running again");
    const pid = (await kv(detail, "PID").textContent()) ?? "";
    await detail.locator('[data-runtime-action="restart"]').click();
    await expect(detail.locator('.dialog-backdrop:not([hidden]) .dialog-title').textContent()).resolves.toBe("Restart this agent?");
    await detail.locator('.dialog-backdrop:not([hidden]) [data-runtime-action="confirm"]').click();
    await waitFor(async () => {
      const [s, p] = [await stateOf(detail).textContent(), await kv(detail, "PID").textContent()];
      return /Running/.test(s ?? "") && /^\d+$/.test(p ?? "") && p !== pid;
    }, { timeoutMs: 60_000, what: "running with a new pid after restart" });
    await untilText(runtimeBadges(list), /Running.*Healthy/, "running again on the list page");

    // Nothing reloaded; every action is audited as the browser user.
    expect(await list.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(1);
    const audit = (await env.api<{ events: Array<{ actor: string; action: string }> }>(`/api/v1/audit?agent=${ECHO}&limit=200`)).body.events;
    for (const action of ["agent.run", "agent.stop", "agent.restart"]) expect(audit.some((e) => e.action === action && e.actor === "ui")).toBe(true);
    expect(dialogs).toEqual([]);
    expect(pageErrors(detail)).toEqual([]);
    expect(pageErrors(list)).toEqual([]);
    await list.close();
    await detail.close();
  });

  test("a crash shows backoff with its delay, then running again with the restart counted", async () => {
    await waitState(env, ECHO, "running");
    const list = await open("/agents");
    const detail = await open(`/agents/${ECHO}`);
    const { pid } = await env.status(ECHO);
    process.kill(pid!, "SIGKILL");
    await untilText(stateOf(detail), /Backoff/, "backoff on the detail page");
    await untilText(runtimeBadges(list), /Backoff/, "backoff badge on the list page");
    await untilText(kv(detail, "Backoff"), /1\.5 s/, "the current backoff");
    await screenshot(detail, "live-agent-backoff");
    await untilText(stateOf(detail), /^\s*Running\s*$/, "running after the backoff", 60_000);
    await expect(kv(detail, "Restarts").textContent()).resolves.toBe("1");
    await untilText(kv(detail, "Last exit"), /crashed \(signal SIGKILL\)/, "the crash as last exit");
    await untilText(runtimeBadges(list), /Running.*Healthy/, "running again on the list page");
    await list.close();
    await detail.close();
  });

  test("agents that cannot run get a clear hint instead of controls, and it follows a CLI disable/enable live", async () => {
    const other = await open(`/agents/${INVOKER}`);
    await expect(other.locator(".runtime-hint").textContent()).resolves.toContain("Install this agent first");
    await expect(other.locator('[data-runtime-action="run"]').isVisible()).resolves.toBe(false);
    await other.close();

    const detail = await open(`/agents/${ECHO}`);
    await expect(detail.locator(".runtime-hint").isVisible()).resolves.toBe(false);
    // From the CLI: it goes through the daemon, so the open page hears of it like of its own actions.
    await env.run(["agents", "disable", ECHO]);
    await detail.locator(".runtime-hint", { hasText: "Enable this agent" }).waitFor();
    await expect(detail.locator('[data-runtime-action="run"]').isVisible()).resolves.toBe(false);
    await untilText(detail.locator(`.detail-meta [data-live-agent="${ECHO}"] [data-live-part="enabled"]`), /^$/, "no Enabled badge");
    await untilText(stateOf(detail), /Stopped/, "stopped by the kill switch");
    await screenshot(detail, "live-agent-disabled");
    await env.run(["agents", "enable", ECHO, "--approve-all"]);
    await detail.locator('[data-runtime-action="run"]').waitFor();
    await untilText(detail.locator(`.detail-meta [data-live-agent="${ECHO}"] [data-live-part="enabled"]`), /Enabled/, "Enabled badge back");
    await detail.close();
  });
});

describe("who may listen", () => {
  test("a page on another local port cannot open the stream, although the browser sends the session cookie", async () => {
    // Same host, other port: same-site, so the SameSite=Strict cookie goes along. The daemon answers 403 for
    // the foreign Origin (asserted at the HTTP level in test/e2e/web-events.test.ts); here: the page gets nothing.
    const other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("<!doctype html><title>another local app</title><p>hi</p>", { headers: { "content-type": "text/html" } }) });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${other.port}/`);
      const result = await page.evaluate(
        (url) =>
          new Promise<{ state: number; got: string[] }>((resolve) => {
            const es = new EventSource(url, { withCredentials: true });
            const got: string[] = [];
            for (const t of ["hello", "snapshot", "audit", "message"]) es.addEventListener(t, () => got.push(t));
            es.onerror = () => {
              const state = es.readyState;
              es.close();
              resolve({ state, got });
            };
          }),
        `${env.url}/events?topics=audit,agents`,
      );
      expect(result).toEqual({ state: 2, got: [] });
      await page.close();
    } finally {
      other.stop(true);
    }
  });
});

describe("daemon restart", () => {
  test("an open page reconnects by itself with its session; a token rotation ends it", async () => {
    const detail = await open(`/agents/${ECHO}`);
    const csrf = await detail.locator('meta[name="csrf-token"]').getAttribute("content");
    await env.restartDaemon();
    // Sessions are kept in the catalog: the restarted daemon still knows this one, so the page just reconnects.
    await detail.locator(".live-indicator.live-live").waitFor({ timeout: 60_000 });
    await expect(detail.locator('meta[name="csrf-token"]').getAttribute("content")).resolves.toBe(csrf);
    // Disabled (and so withdrawn from autostart) above: the restarted daemon left it stopped; the panel can start it again.
    await untilText(stateOf(detail), /Stopped/, "stopped after the daemon restart");
    await detail.locator('[data-runtime-action="run"]').click();
    await untilText(stateOf(detail), /^\s*Running\s*$/, "running after the daemon restart");
    await expect(detail.locator(".runtime-card .form-error").isVisible()).resolves.toBe(false);

    // A new admin token ends every session: the page says so and offers the login.
    await env.run(["token", "--rotate"]);
    await detail.locator(".live-indicator", { hasText: "Session ended" }).waitFor({ timeout: 60_000 });
    await expect(detail.locator("[data-live-login]").isVisible()).resolves.toBe(true);
    // It leads back to this page after the login.
    await expect(detail.locator("[data-live-login]").getAttribute("href")).resolves.toBe(`/login?next=${encodeURIComponent(`/agents/${ECHO}`)}`);
    await screenshot(detail, "live-session-ended");
    // Logging in again (another tab, the new token) is enough: the open page reconnects by itself.
    const token = readFileSync(join(env.box.home, "admin.token"), "utf8").trim();
    const login = await browser.newPage();
    await login.goto(`${env.url}/login?token=${token}`);
    const newCsrf = await login.locator('meta[name="csrf-token"]').getAttribute("content");
    await login.close();
    await detail.locator(".live-indicator.live-live").waitFor({ timeout: 60_000 });
    await waitFor(async () => (await detail.locator('meta[name="csrf-token"]').getAttribute("content")) === newCsrf, { what: "the new CSRF token adopted" });
    expect(newCsrf).not.toBe(csrf);
    await detail.close();
  });
});
