/**
 * Shared browser helpers for UI tests: system Chromium driven by
 * playwright-core, headless, with flags that keep it off the network, and a
 * fresh profile directory per launch (removed on close).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_DIR = resolve(import.meta.dir, "../../test-results/screenshots");

export const VIEWPORTS = {
  normal: { width: 1366, height: 900 },
  narrow: { width: 390, height: 844 },
} as const;

export interface LaunchedBrowser {
  context: BrowserContext;
  profileDir: string;
  newPage(viewport?: keyof typeof VIEWPORTS): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (playwright's persistent
 * context is how a profile directory is passed). Console errors and CSP
 * violations are collected per page in `pageErrors(page)`.
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const profileDir = mkdtempSync(join(tmpdir(), "os-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: VIEWPORTS.normal,
  });
  return {
    context,
    profileDir,
    async newPage(viewport = "normal") {
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS[viewport]);
      trackErrors(page);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

const errors = new WeakMap<Page, string[]>();

function trackErrors(page: Page): void {
  const list: string[] = [];
  errors.set(page, list);
  page.on("console", (m) => {
    if (m.type() === "error") list.push(m.text());
  });
  page.on("pageerror", (e) => list.push(e.message));
}

/** Console errors and uncaught exceptions seen on `page` (CSP violations show up here). */
export function pageErrors(page: Page): string[] {
  return errors.get(page) ?? [];
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png and returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
