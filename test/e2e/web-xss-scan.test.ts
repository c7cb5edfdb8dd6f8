/**
 * Static XSS check of every JSX file of the web UI with @kitajs/ts-html-plugin
 * (`xss-scan`): dynamic text must go through `safe` or escapeHtml. Warnings
 * (exit 2) fail too, so the templates stay clean.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";

setDefaultTimeout(120_000);
const ROOT = resolve(import.meta.dir, "../..");

test("xss-scan finds nothing in the web templates", async () => {
  const files = [...new Bun.Glob("src/{web,api}/**/*.tsx").scanSync({ cwd: ROOT })];
  expect(files.length).toBeGreaterThan(10);
  const p = Bun.spawn([resolve(ROOT, "node_modules/.bin/xss-scan"), ...files], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(`${code}\n${out}${err}`).toContain("No XSS vulnerabilities found");
  expect(code).toBe(0);
});
