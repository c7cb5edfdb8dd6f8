/**
 * `agents test` with real `mix test` runs on a tiny Mix project (the hello
 * fixture, no dependencies): what is recorded when the suite does not compile,
 * when it outlives its deadline, that its output is redacted, and that nothing
 * runs without confirmation. Passing and failing suites of a real agent:
 * test/e2e/trust-lifecycle.test.ts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { installs } from "../../db/schema.ts";
import { loadConfig } from "../config/load.ts";
import { createServices, type Services } from "../services.ts";

const ID = "com.test.tested";
const FIXTURE = resolve(import.meta.dir, "../../../test/fixtures/agents/hello");
let s: Services;
let root = "";
let project = "";

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "osagenttest-"));
  const home = join(root, "home");
  project = join(root, "project");
  cpSync(FIXTURE, project, { recursive: true, filter: (p) => !/\/(_build|deps)$/.test(p) });
  for (const d of [home, join(root, "user"), join(project, "test")]) mkdirSync(d, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ scan_roots: [], limits: { build_timeout_ms: 120_000 } }));
  s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(root, "user") } }));
  const now = new Date().toISOString();
  const manifestJson = JSON.stringify({ manifest_version: 1, id: ID, name: "Tested", version: "1.2.3" });
  s.store.db.insert(installs).values({ agentId: ID, source: "local", installPath: project, state: "installed", enabled: false, devMode: true, manifestJson, installedAt: now, updatedAt: now }).run();
});

afterAll(() => {
  s?.close();
  rmSync(root, { recursive: true, force: true });
});

const testFile = (body: string) =>
  writeFileSync(join(project, "test/tested_test.exs"), `defmodule TestedTest do\n  use ExUnit.Case\n${body}\nend\n`);

test("not confirmed: nothing runs, refusal audited", async () => {
  await expect(s.agentTests.run(ID, { actor: "cli", confirm: false })).rejects.toMatchObject({ code: "confirmation_required" });
  expect(s.agentTests.last(ID)).toBeNull();
  expect(s.audit.query({ agentId: ID, action: "agent.test", limit: 5 })[0]).toMatchObject({ outcome: "denied" });
});

test("a passing suite whose output prints a key: counted, and the key never reaches the tail, the audit or the log", async () => {
  writeFileSync(join(project, "test/test_helper.exs"), "ExUnit.start()\n");
  const body = "MIIEowIBAAKCAQEAz9Xk9fQ2mL7pR4vT8wZ3yB6nD1hJ5sG0cAeFiMoUqWt0aBcD";
  testFile(`  test "greets" do\n    IO.puts("-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----")\n    assert HelloAgent.hello("x") == "hello, x"\n  end\n  test "second" do\n    :ok\n  end`);
  const r = await s.agentTests.run(ID, { actor: "cli", confirm: true });
  expect(r).toMatchObject({ outcome: "passed", tests: 2, failures: 0, skipped: 0, version: "1.2.3", actor: "cli" });
  // No SDK here, so no tool listing: the tool_summary check says so and does not fail the run.
  expect(r.toolCheck).toMatchObject({ status: "unchecked", missing: [], extra: [] });
  expect(r.toolCheck!.message).toContain("'mix opensentience.agent --list-tools' failed");
  expect(r.logTail.at(-1)).toBe(r.toolCheck!.message);
  const audited = JSON.stringify(s.audit.query({ agentId: ID, action: "agent.test", limit: 1 })[0]);
  const log = readFileSync(join(s.config.paths.agentsDir, ID, "test.log"), "utf8");
  expect(log).toContain("2 tests, 0 failures");
  for (const text of [r.logTail.join("\n"), audited, log]) expect(text).not.toContain(body);
  expect(existsSync(join(s.config.paths.agentsDir, ID, "test"))).toBe(false); // the copy is removed
  expect(existsSync(join(project, "_build/test"))).toBe(false); // the install itself is never built in
});

test("a suite that does not compile: outcome error, no counts", async () => {
  testFile(`  test "broken" do\n    assert undefined_function_here()\n  end`);
  const r = await s.agentTests.run(ID, { actor: "cli", confirm: true });
  expect(r).toMatchObject({ outcome: "error", tests: null, failures: null });
  expect(r.logTail.join("\n")).toContain("undefined_function_here");
  expect(s.agentTests.last(ID)).toMatchObject({ outcome: "error" });
});

test("a suite that outlives its deadline is killed and recorded as timeout", async () => {
  testFile(`  test "hangs" do\n    Process.sleep(120_000)\n  end`);
  const r = await s.agentTests.run(ID, { actor: "cli", confirm: true, timeoutMs: 8_000 });
  expect(r.outcome).toBe("timeout");
  expect(r.durationMs).toBeLessThan(60_000);
}, 90_000);
