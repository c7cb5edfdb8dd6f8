/**
 * The marketplace flow in a real browser (system Chromium via playwright-core)
 * against the compiled daemon, with a real file:// git registry and a real
 * Elixir agent built by mix:
 * registry add → sync → search → install (the dialog shows the exact commands;
 * live progress over SSE) → enable a subset → update with a permission
 * escalation (diff shown; the agent is disabled) → re-approve → revoke →
 * uninstall; rewritten registry history refused, then forced; hostile
 * registry text escaped; the audit page shows every step as `ui`.
 * Screenshots go to test-results/screenshots/install-*.png.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, type LaunchedBrowser, pageErrors, SCREENSHOT_DIR, screenshot } from "../helpers/browser.ts";
import { type AgentRepo, agentRepo, bumpAgent, cleanupTemp, git, type RegistryRepo, registryEntry, registryRepo, tempDir, updateRegistry } from "../helpers/git-fixtures.ts";
import { auditEvents, type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";

setDefaultTimeout(180_000);

const ID = "com.example.hello";
const BROKEN = "com.example.broken_build";
const HOSTILE_FILE = `<img src=x onerror="window.__xss=1">.json`;
const HOSTILE_DESCRIPTION = `Community agents <script>window.__xss=2</script>`;
let agent: AgentRepo;
let reg: RegistryRepo;
let d: RunningDaemon;
let browser: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  const root = tempDir();
  agent = agentRepo(root, {
    id: ID,
    name: "Hello Fixture",
    version: "0.1.0",
    description: "Greets people by name.",
    permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents"],
    keywords: ["greeting"],
  });
  const broken = agentRepo(root, { id: BROKEN, name: "Broken Build", version: "0.1.0" }, { "lib/hello_agent.ex": "defmodule HelloAgent do\n  def broken(, do: :syntax_error\nend\n" });
  reg = registryRepo(root, { [`${ID}.json`]: registryEntry(agent), [`${BROKEN}.json`]: registryEntry(broken), [HOSTILE_FILE]: "{not json" }, { description: HOSTILE_DESCRIPTION });
  d = await startWebDaemon({ home: tempHome() });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(d.loginUrl);
});

afterAll(async () => {
  await browser?.close();
  await d?.stop();
  d?.home.cleanup();
  cleanupTemp();
});

const agentUrl = () => `${d.url}/agents/${ID}`;
const actionButtons = () => page.locator(".agent-actions button[data-action]").evaluateAll((els) => els.map((e) => e.getAttribute("data-action")));
const badgesText = () => page.locator(".detail-meta .badges").first().textContent();
const xss = () => page.evaluate(() => (window as unknown as { __xss?: number }).__xss);

/** A dialog over the page: the viewport only (a full-page shot would show the page below the backdrop). */
async function dialogShot(p: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await p.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: "disabled" });
}

/** Clicks a button that submits a form and waits for the page it leads to. */
async function submitAndWait(selector: string, url: RegExp): Promise<void> {
  await Promise.all([page.waitForURL(url), page.click(selector)]);
}

test("add and sync a registry; bad entries and hostile text are shown escaped", async () => {
  await page.goto(`${d.url}/registries`);
  await expect(page.locator(".empty h2").textContent()).resolves.toBe("No registries yet");
  await screenshot(page, "install-registries-empty");

  // A bad name is refused with the form kept.
  await page.fill('input[name="name"]', "Bad Name!");
  await page.fill('input[name="git_url"]', reg.url);
  await page.evaluate(() => document.querySelector<HTMLInputElement>('input[name="name"]')!.removeAttribute("pattern"));
  await submitAndWait('button[data-action="add-registry"]', /\/actions\/registries$/);
  await expect(page.locator(".notice-danger").textContent()).resolves.toContain("invalid registry name");
  expect(await page.inputValue('input[name="git_url"]')).toBe(reg.url);

  await page.fill('input[name="name"]', "community");
  await submitAndWait('button[data-action="add-registry"]', /\/registries\?added=community$/);
  await expect(page.locator(".notice-success").textContent()).resolves.toContain("Registry community added");
  await expect(page.locator(".registry-card .badge").first().textContent()).resolves.toBe("Never synced");

  // Sync: live progress, then the page reloads with the result and the fresh state.
  await Promise.all([page.waitForEvent("load"), page.click('button[data-action="sync"]')]);
  await page.locator(".sync-panel .result-ok").waitFor();
  await expect(page.locator(".sync-panel .result-ok .result-title").textContent()).resolves.toBe(`Synced at ${reg.sha.slice(0, 12)}`);
  await expect(page.locator(".sync-panel .result-ok p").textContent()).resolves.toContain("2 new");
  const steps = await page.locator(".sync-panel .step-label").allTextContents();
  expect(steps).toEqual(["Fetch", "Read", "Done"]);
  await expect(page.locator(".registry-card .badge").first().textContent()).resolves.toBe("Synced with bad entries");
  await expect(page.locator(".registry-meta").textContent()).resolves.toContain(reg.sha.slice(0, 12));
  // The hostile file name and description are text, never markup.
  await expect(page.locator(".entry-errors code").first().textContent()).resolves.toBe(`agents/${HOSTILE_FILE}`);
  await expect(page.locator(".registry-desc").textContent()).resolves.toBe(HOSTILE_DESCRIPTION);
  expect(await page.locator('main img[src="x"], main script').count()).toBe(0);
  expect(await xss()).toBeUndefined();
  await screenshot(page, "install-registries");
});

test("search, then install with the confirmation dialog and live progress", async () => {
  await page.goto(`${d.url}/agents`);
  await page.fill('input[name="q"]', "greeting");
  await Promise.all([page.waitForURL(/q=greeting/), page.press('input[name="q"]', "Enter")]);
  await expect(page.locator("table.agents-table tbody tr").count()).resolves.toBe(1);
  await Promise.all([page.waitForURL(agentUrl()), page.click("text=Hello Fixture")]);
  expect(await actionButtons()).toEqual(["install"]);

  // The dialog shows the plan from the same service the CLI and API use.
  await page.click('button[data-action="install"]');
  const dialog = page.locator("dialog[open]");
  await dialog.locator(".commands li").first().waitFor();
  await expect(dialog.locator(".commands code").allTextContents()).resolves.toEqual(["mix deps.get", "mix compile"]);
  const plan = await dialog.locator(".plan-grid").allTextContents();
  expect(plan.join(" ")).toContain(`${d.home.home}/agents/${ID}/next`);
  expect(plan.join(" ")).toContain(agent.url);
  expect(plan.join(" ")).toContain("Registry community");
  // The exact commit the ref names at the source, before anything is fetched (issue 17 finding 10).
  expect(plan.join(" ")).toContain(agent.sha);
  expect(plan.join(" ")).not.toContain("shown when fetched");
  await expect(dialog.locator(".perm-chips li").allTextContents()).resolves.toEqual(["env:read:HELLO_NAME", "filesystem:read:~/Documents"]);
  await dialogShot(page, "install-dialog");

  // Confirm: steps arrive over SSE while it runs, then the result.
  await dialog.locator('button[data-confirm="install"]').click();
  await dialog.locator(".steps .step").first().waitFor();
  await dialogShot(page, "install-progress");
  await dialog.locator(".result-ok").waitFor({ timeout: 120_000 });
  const labels = await dialog.locator(".step-label").allTextContents();
  expect(labels).toContain("Fetch");
  expect(labels).toContain("Build");
  expect(labels.at(-1)).toBe("Done");
  await expect(dialog.locator(".step-msg").allTextContents()).resolves.toEqual(expect.arrayContaining(["mix deps.get", "mix compile"]));
  await expect(dialog.locator(".build-log").first().textContent()).resolves.toContain("Generated hello_agent app");
  await expect(dialog.locator(".result-ok .result-title").textContent()).resolves.toBe("Installed Hello Fixture");
  await expect(dialog.locator(".result-ok").textContent()).resolves.toContain(agent.sha.slice(0, 12));
  await dialogShot(page, "install-result");
  await Promise.all([page.waitForEvent("load"), dialog.locator('button[data-finish="install"]').click()]);
  await expect(badgesText()).resolves.toContain("Installed");
  expect(await actionButtons()).toEqual(["enable", "update", "uninstall"]);
});

test("enable with a subset of the permissions", async () => {
  await page.click('button[data-action="enable"]');
  const dialog = page.locator("dialog[open]");
  await expect(dialog.locator('input[name="approve"]').count()).resolves.toBe(2);
  // Nothing ticked: the primary button approves nothing, so it is disabled (issue 17 finding 4).
  await expect(dialog.locator('button[data-confirm="enable"]').isDisabled()).resolves.toBe(true);
  await dialog.locator('input[value="env:read:HELLO_NAME"]').check();
  await expect(dialog.locator('button[data-confirm="enable"]').textContent()).resolves.toContain("Enable with 1 of 2 approved");
  await dialogShot(page, "install-enable-form");
  await submitAndWait('dialog[open] button[data-confirm="enable"]', /done=enabled/);
  await expect(page.locator(".notice-success").textContent()).resolves.toContain("Enabled");
  const rows = await page.locator("table.compact tbody tr").allTextContents();
  expect(rows[0]).toContain("env:read:HELLO_NAME");
  expect(rows[0]).toContain("Approved");
  expect(rows[1]).toContain("Not approved");
  expect(await actionButtons()).toEqual(["enable", "update", "disable", "uninstall"]);
});

test("update with a permission escalation: diff first, then the agent is disabled until re-approved", async () => {
  bumpAgent(agent, { version: "0.2.0", permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents", "process:spawn"] }, {
    "lib/hello_agent.ex": 'defmodule HelloAgent do\n  def hello(name \\\\ "world"), do: "hi, #{name}"\nend\n',
  });
  updateRegistry(reg, { [`${ID}.json`]: registryEntry(agent) }, "bump hello to 0.2.0");
  await page.goto(`${d.url}/registries`);
  await Promise.all([page.waitForEvent("load"), page.click('button[data-action="sync"]')]);
  await expect(page.locator(".sync-panel .result-ok p").textContent()).resolves.toContain("1 updated");

  await page.goto(agentUrl());
  await page.click('button[data-action="update"]');
  const dialog = page.locator("dialog[open]");
  await dialog.locator(".version-range").waitFor({ state: "visible" });
  await expect(dialog.locator(".version-from .version-number").textContent()).resolves.toBe("v0.1.0");
  await expect(dialog.locator(".version-to .version-number").textContent()).resolves.toBe("v0.2.0");
  await expect(dialog.locator(".version-to .version-commit").textContent()).resolves.toBe(agent.sha.slice(0, 12));
  await expect(dialog.locator(".commit-list li").allTextContents()).resolves.toEqual([expect.stringContaining("bump 0.2.0")]);
  await expect(dialog.locator(".perm-diff .diff-add").allTextContents()).resolves.toEqual([expect.stringContaining("process:spawn")]);
  await expect(dialog.locator(".perm-diff .diff-add .diff-note").textContent()).resolves.toBe("new: needs your approval");
  await expect(dialog.locator(".callout-warning strong").first().textContent()).resolves.toBe("The agent will be disabled after this update");
  await dialogShot(page, "install-update-diff");

  await dialog.locator('button[data-confirm="update"]').click();
  await dialog.locator(".result-ok").waitFor({ timeout: 120_000 });
  await expect(dialog.locator(".result-ok .result-title").textContent()).resolves.toBe("Updated Hello Fixture");
  await expect(dialog.locator(".result-notes").textContent()).resolves.toContain("Disabled until you approve: process:spawn");
  await dialogShot(page, "install-update-result");
  await Promise.all([page.waitForEvent("load"), dialog.locator('button[data-finish="update"]').click()]);
  await expect(page.locator(".detail-meta").textContent()).resolves.toContain("v0.2.0");
  await expect(badgesText()).resolves.not.toContain("Enabled");
  await expect(page.locator(".install-status").textContent()).resolves.toContain("process:spawn");
  expect(await actionButtons()).toEqual(["enable", "update", "uninstall"]);

  // Re-approve only the new permission; the earlier approval is kept.
  await page.click('button[data-action="enable"]');
  const en = page.locator("dialog[open]");
  await expect(en.locator('input[name="approve"]:disabled').count()).resolves.toBe(1);
  await en.locator('input[value="process:spawn"]').check();
  await submitAndWait('dialog[open] button[data-confirm="enable"]', /done=enabled/);
  await expect(badgesText()).resolves.toContain("Enabled");
  await screenshot(page, "install-enabled-detail");
  const narrow = await browser.newPage("narrow");
  await narrow.goto(agentUrl());
  await screenshot(narrow, "install-enabled-detail-narrow");
  expect(pageErrors(narrow)).toEqual([]);
  await narrow.close();

  // Revoke one approval from the permissions table.
  await submitAndWait('button[data-revoke="env:read:HELLO_NAME"]', /done=revoked/);
  const rows = await page.locator("table.compact tbody tr").allTextContents();
  expect(rows.find((r) => r.includes("env:read:HELLO_NAME"))).toContain("Not approved");
  expect(rows.find((r) => r.includes("process:spawn"))).toContain("Approved");
});

test("uninstall with confirmation; the audit page shows every step as ui", async () => {
  await page.click('button[data-action="uninstall"]');
  await page.locator("dialog[open] .modal-body").waitFor();
  await expect(page.locator("dialog[open] .modal-body").textContent()).resolves.toContain(`${d.home.home}/agents/${ID}`);
  await dialogShot(page, "install-uninstall-confirm");
  await submitAndWait('dialog[open] button[data-confirm="uninstall"]', /done=uninstalled/);
  await expect(page.locator(".notice-success").textContent()).resolves.toContain("Uninstalled");
  await expect(badgesText()).resolves.toContain("Available");
  expect(await actionButtons()).toEqual(["install"]);

  await page.goto(`${d.url}/audit?agent=${ID}&limit=100`);
  const actions = (await page.locator("table.audit-table tbody td[data-label=Action]").allTextContents()).reverse();
  for (const a of ["agent.install", "agent.fetch", "agent.build", "agent.enable", "agent.update", "agent.manifest_diff", "agent.permission_escalation", "agent.revoke", "agent.uninstall"]) {
    expect(actions).toContain(a);
  }
  const actors = new Set(await page.locator("table.audit-table tbody td[data-label=Actor]").allTextContents());
  expect(actors).toEqual(new Set(["ui"]));
  await screenshot(page, "install-audit");
  const events = (await auditEvents(d)).filter((e) => /^(registry|agent)\./.test(e.action));
  expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["ui"]));
});

test("a failed build shows the error and the log tail; the agent is install_failed", async () => {
  await page.goto(`${d.url}/agents/${BROKEN}`);
  await page.click('button[data-action="install"]');
  const dialog = page.locator("dialog[open]");
  await dialog.locator('button[data-confirm="install"]').waitFor({ state: "visible" });
  await dialog.locator('button[data-confirm="install"]').click();
  await dialog.locator(".result-failed").waitFor({ timeout: 120_000 });
  await expect(dialog.locator(".result-failed .result-title").textContent()).resolves.toBe("Install failed");
  await expect(dialog.locator(".result-failed p").first().textContent()).resolves.toContain("'mix compile' exited with 1");
  // The compiler's error streamed live (the log tail is shown instead only when nothing streamed).
  await expect(dialog.locator(".log-wrap .build-log").textContent()).resolves.toContain("SyntaxError");
  await expect(dialog.locator(".step-label").last().textContent()).resolves.toBe("Failed");
  await dialogShot(page, "install-failed");
  await Promise.all([page.waitForEvent("load"), dialog.locator('button[data-finish="install"]').click()]);
  await expect(badgesText()).resolves.toContain("Install failed");
  await expect(page.locator(".install-status").textContent()).resolves.toContain("The last install failed");
  expect(await actionButtons()).toEqual(["install", "uninstall"]);
  await expect(page.locator('button[data-action="install"]').textContent()).resolves.toBe("Retry install");
  await screenshot(page, "install-failed-detail");
  await page.click('button[data-action="uninstall"]');
  await submitAndWait('dialog[open] button[data-confirm="uninstall"]', /done=uninstalled/);
});

test("a rewritten registry history is refused and shown; sync anyway with --force", async () => {
  git(reg.dir, "commit", "-q", "--amend", "-m", "rewritten history");
  const sha = git(reg.dir, "rev-parse", "HEAD");
  await page.goto(`${d.url}/registries`);
  await Promise.all([page.waitForEvent("load"), page.click('button[data-action="sync"]')]);
  // The refusal is explained once, by the card (the step list ends in "Failed").
  await page.locator(".sync-panel .step-failed").waitFor();
  expect(await page.locator(".sync-panel .result-failed").isVisible()).toBe(false);
  await expect(page.locator(".registry-card .badge").first().textContent()).resolves.toBe("Refused: history rewritten");
  await expect(page.locator(".history-rewritten strong").textContent()).resolves.toContain("history was rewritten");
  await screenshot(page, "install-registry-rewritten");

  await page.click('button[data-action="force-sync"]');
  await page.locator("dialog[open]").waitFor();
  await Promise.all([page.waitForEvent("load"), page.click('dialog[open] button[data-confirm="force-sync"]')]);
  await page.locator(".sync-panel .result-ok").waitFor();
  await expect(page.locator(".sync-panel .result-ok .result-title").textContent()).resolves.toContain("rewritten history accepted");
  await expect(page.locator(".registry-meta").textContent()).resolves.toContain(sha.slice(0, 12));
  expect(await page.locator(".history-rewritten").count()).toBe(0);
  const forced = (await auditEvents(d)).find((e) => e.action === "registry.history_rewritten" && e.outcome === "ok");
  expect(forced?.actor).toBe("ui");

  // Narrow layout and dark mode of the registries page.
  const narrow = await browser.newPage("narrow");
  await narrow.goto(`${d.url}/registries`);
  await screenshot(narrow, "install-registries-narrow");
  await narrow.goto(agentUrl());
  await narrow.click('button[data-action="install"]');
  await narrow.locator("dialog[open] .commands li").first().waitFor();
  await dialogShot(narrow, "install-dialog-narrow");
  expect(pageErrors(narrow)).toEqual([]);
  await narrow.close();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${d.url}/registries`);
  await screenshot(page, "install-registries-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Remove the registry (confirmation dialog).
  await page.click('button[data-action="remove"]');
  await submitAndWait('dialog[open] button[data-confirm="remove"]', /removed=1/);
  await expect(page.locator(".empty h2").textContent()).resolves.toBe("No registries yet");
  expect(await xss()).toBeUndefined();
  // The only failed loads are the deliberate 400 of the refused registry name.
  expect(pageErrors(page).filter((e) => !e.includes("status of 400"))).toEqual([]);
});
