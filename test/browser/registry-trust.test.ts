/**
 * Registry trust in a real browser (system Chromium via playwright-core)
 * against the compiled daemon, with real file:// git registries:
 * - an agent installed from a registry whose entry is then yanked is shown
 *   quarantined; the Enable dialog requires an explicit "override the yank"
 *   tick (the browser refuses the form without it), and the override is
 *   audited as `ui`;
 * - a signed registry whose head is unsigned shows the refusal, the kept
 *   snapshot and the allowed key's fingerprint; a signed registry can be added
 *   from the form with an allowed-signers text.
 * Screenshots: test-results/screenshots/trust-*.png.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { eq } from "drizzle-orm";
import { loadConfig } from "../../src/core/config/load.ts";
import { sshFingerprint } from "../../src/core/registry/allowed-signers.ts";
import { createServices } from "../../src/core/services.ts";
import { installs } from "../../src/db/schema.ts";
import { launchBrowser, type LaunchedBrowser, screenshot } from "../helpers/browser.ts";
import { cleanupTemp, manifest, registryEntry, registryRepo, tempDir, updateRegistry } from "../helpers/git-fixtures.ts";
import { auditEvents, type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";

setDefaultTimeout(180_000);

const ID = "com.example.yanked_one";
const REASON = "withdrawn: exfiltrates clipboard contents";
let d: RunningDaemon;
let browser: LaunchedBrowser;
let page: Page;
let allowedLine: string;
let fingerprint: string;

beforeAll(async () => {
  const root = tempDir("os-trust-");
  const keyFile = join(root, "maint");
  const kg = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile], { encoding: "utf8" });
  if (kg.status !== 0) throw new Error(kg.stderr);
  const pub = readFileSync(`${keyFile}.pub`, "utf8").split(" ");
  allowedLine = `maint@example.com ${pub[0]} ${pub[1]}`;
  fingerprint = sshFingerprint(pub[1]!);

  const m = manifest({ id: ID, name: "Yanked One" });
  const entry = (extra: Record<string, unknown> = {}) => registryEntry({ dir: "", sha: "", url: "https://git.example.com/yanked.git", manifest: m }, extra);
  const reg = registryRepo(root, { [`${ID}.json`]: entry() });
  const unsigned = registryRepo(root, { [`${ID}.json`]: entry() });

  // The state a real sequence leaves: installed from "r" and enabled, then the registry yanks it.
  const home = tempHome();
  const s = createServices(loadConfig({ env: home.env }));
  s.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
  await s.registries.sync("r", { actor: "cli" });
  const now = new Date().toISOString();
  s.store.db
    .insert(installs)
    .values({ agentId: ID, source: "remote", registryName: "r", installPath: join(root, "installed"), state: "installed", enabled: true, manifestJson: JSON.stringify(m), installedAt: now, updatedAt: now })
    .run();
  updateRegistry(reg, { [`${ID}.json`]: entry({ yanked: { reason: REASON } }) });
  expect((await s.registries.sync("r", { actor: "cli" })).quarantined).toEqual([ID]);
  s.registries.add({ name: "signed", gitUrl: unsigned.url, requireSigned: true, allowedSigners: `${allowedLine}\n` }, { actor: "cli" });
  await s.registries.sync("signed", { actor: "cli" }).catch(() => {});
  s.close();

  d = await startWebDaemon({ home });
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

test("a quarantined agent is enabled only with the explicit override, audited as ui", async () => {
  await page.goto(`${d.url}/agents/${ID}`);
  await expect(page.locator('[data-testid="quarantine"]').textContent()).resolves.toContain(REASON);
  await expect(page.locator(".detail-meta .badges").first().textContent()).resolves.toContain("Quarantined");
  await page.click('button[data-action="enable"]');
  const dialog = page.locator("dialog[open]");
  await expect(dialog.locator('[data-testid="enable-quarantined"]').textContent()).resolves.toContain(REASON);
  await screenshot(page, "trust-enable-quarantined");

  // Without the tick the browser does not send the form.
  await dialog.locator('button[data-confirm="enable"]').click();
  expect(page.url()).toBe(`${d.url}/agents/${ID}`);
  expect(await dialog.locator('input[name="override_yank"]').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);

  await dialog.locator('input[name="override_yank"]').check();
  await Promise.all([page.waitForURL(/done=enabled/), dialog.locator('button[data-confirm="enable"]').click()]);
  await expect(page.locator(".notice-success").textContent()).resolves.toContain("Enabled");
  await expect(page.locator('[data-testid="quarantine"]').textContent()).resolves.toContain("enabled anyway");
  const events = await auditEvents(d);
  expect(events.find((e) => e.action === "agent.yank_override")).toMatchObject({ actor: "ui", outcome: "ok", details: { yank_reason: REASON } });
  expect(events.find((e) => e.action === "agent.enable" && e.outcome === "ok")).toMatchObject({ actor: "ui", details: { override_yank: REASON } });
});

test("the Registries page shows a refused signature and adds a signed registry from the form", async () => {
  await page.goto(`${d.url}/registries`);
  const card = page.locator('.registry-card[data-name="signed"]');
  await expect(card.locator(".registry-sub").textContent()).resolves.toContain("Refused: signature");
  await expect(card.locator(".signature-refused").textContent()).resolves.toContain("the commit is not signed");
  await expect(card.locator(".signer-list").textContent()).resolves.toContain(fingerprint);
  await screenshot(page, "trust-registries-refused");

  await page.fill('input[name="name"]', "signed2");
  await page.fill('input[name="git_url"]', "https://git.example.com/team/agents.git");
  await page.fill('textarea[name="allowed_signers"]', `${allowedLine}\n`);
  await Promise.all([page.waitForURL(/added=signed2/), page.click('button[data-action="add-registry"]')]);
  const added = page.locator('.registry-card[data-name="signed2"]');
  await expect(added.locator(".registry-signers").textContent()).resolves.toContain("Not checked yet");
  await expect(added.locator(".signer-list").textContent()).resolves.toContain(fingerprint);
  expect((await auditEvents(d)).find((e) => e.action === "registry.add" && e.details.name === "signed2")).toMatchObject({ actor: "ui", outcome: "ok", details: { require_signed: true } });
});

test("the JSON API adds a signed registry (what the CLI sends when a daemon runs); half the settings are refused", async () => {
  const post = (body: Record<string, unknown>) => d.api("/api/v1/registries", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const ok = await post({ name: "signed3", git_url: "https://git.example.com/x.git", require_signed: true, allowed_signers: `${allowedLine}\n` });
  expect(ok.status).toBe(201);
  expect(await ok.json()).toMatchObject({ requireSigned: true, allowedSigners: { signers: [{ fingerprint }] } });
  const half = await post({ name: "signed4", git_url: "https://git.example.com/x.git", require_signed: true });
  expect(half.status).toBe(400);
  expect(await half.json()).toMatchObject({ error: { code: "invalid_argument" } });
});
