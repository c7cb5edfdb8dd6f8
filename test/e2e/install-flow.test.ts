/**
 * The whole marketplace flow through the COMPILED binary, with a local git
 * registry and a real Elixir agent built by mix:
 * registry add → sync → search → install → enable (subset) → update with a
 * permission escalation → re-approve → revoke/disable → uninstall, then the
 * audit trail of every step.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AgentRepo,
  agentRepo,
  binaryPath,
  bumpAgent,
  cleanupTemp,
  type RegistryRepo,
  registryEntry,
  registryRepo,
  runBin,
  type TestHome,
  tempDir,
  testHome,
  updateRegistry,
} from "../helpers/git-fixtures.ts";

const ID = "com.example.hello";
let agent: AgentRepo;
let reg: RegistryRepo;
let h: TestHome;

beforeAll(async () => {
  await binaryPath();
  const root = tempDir();
  agent = agentRepo(root, { id: ID, version: "0.1.0", permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents"], keywords: ["greeting"] });
  reg = registryRepo(root, { [`${ID}.json`]: registryEntry(agent) });
  h = testHome();
});
afterAll(cleanupTemp);

const cli = (...args: string[]) => runBin(args, h.env);

test("registry → install → enable → update with escalation → re-approve → uninstall, all audited", async () => {
  const t0 = performance.now();
  // Registry
  const add = await cli("registry", "add", "fx", reg.url, "--json");
  expect(add.code).toBe(0);
  expect(add.json).toMatchObject({ name: "fx", gitUrl: reg.url, ref: "main", lastSyncAt: null });
  const sync = await cli("registry", "sync", "fx", "--json");
  expect(sync.code).toBe(0);
  expect(sync.json).toMatchObject({ name: "fx", commit: reg.sha, added: [ID], status: "ok" });
  const list = await cli("registry", "list", "--json");
  expect(list.json.registries[0]).toMatchObject({ name: "fx", lastCommit: reg.sha, lastSyncStatus: "ok", agentCount: 1 });
  const human = await cli("registry", "list");
  expect(human.stdout).toContain("fx");
  expect(human.stdout).toContain(reg.sha.slice(0, 12));

  // Search
  const search = await cli("agents", "search", "greeting", "--json");
  expect(search.code).toBe(0);
  expect(search.json.agents.map((a: { id: string }) => a.id)).toEqual([ID]);
  expect(search.json.agents[0]).toMatchObject({ source: "remote", registry: "fx", status: "available", verification: "verified", trustScore: 0.8 });

  // Install: refused without --yes when stdin is not a terminal (exit 2, nothing done).
  const refused = await cli("agents", "install", ID);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("--yes");
  expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  expect(existsSync(join(h.home, "agents", ID, "src"))).toBe(false);

  const inst = await cli("agents", "install", ID, "--yes", "--json");
  expect(inst.stderr).toBe("");
  expect(inst.code).toBe(0);
  expect(inst.json).toMatchObject({ agentId: ID, state: "installed", source: "remote", registry: "fx", commit: agent.sha, enabled: false });
  const src = join(h.home, "agents", ID, "src");
  expect(inst.json.installPath).toBe(src);
  expect(existsSync(join(src, "_build/prod/lib/hello_agent/ebin/Elixir.HelloAgent.beam"))).toBe(true);
  expect(readFileSync(join(h.home, "agents", ID, "build.log"), "utf8")).toContain("Generated hello_agent app");
  const info = await cli("agents", "info", ID, "--json");
  expect(info.json).toMatchObject({ status: "installed", enabled: false, install: { commit: agent.sha, state: "installed" } });
  expect(info.json.permissionsRequested).toEqual(["env:read:HELLO_NAME", "filesystem:read:~/Documents"]);

  // Enable with a subset; an unknown permission is refused with a clear one-line error.
  const bad = await cli("agents", "enable", ID, "--approve", "network:egress:*");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("not requested by its manifest");
  expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  const badJson = await cli("agents", "enable", ID, "--approve", "network:egress:*", "--json");
  expect(JSON.parse(badJson.stderr)).toMatchObject({ error: { code: "invalid_argument" } });
  const en = await cli("agents", "enable", ID, "--approve", "env:read:HELLO_NAME", "--json");
  expect(en.code).toBe(0);
  expect(en.json).toMatchObject({ enabled: true, approved: ["env:read:HELLO_NAME"], notApproved: ["filesystem:read:~/Documents"] });
  const infoText = await cli("agents", "info", ID);
  expect(infoText.stdout).toContain("[x] env:read:HELLO_NAME");
  expect(infoText.stdout).toContain("[ ] filesystem:read:~/Documents");

  // Update: new commit requesting one more permission, registry bumped.
  const v1 = agent.sha;
  bumpAgent(agent, { version: "0.2.0", permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents", "process:spawn"] }, {
    "lib/hello_agent.ex": 'defmodule HelloAgent do\n  def hello(name \\\\ "world"), do: "hi, #{name}"\nend\n',
  });
  updateRegistry(reg, { [`${ID}.json`]: registryEntry(agent) }, "bump hello to 0.2.0");
  const sync2 = await cli("registry", "sync", "--json");
  expect(sync2.code).toBe(0);
  expect(sync2.json.results[0].result).toMatchObject({ updated: [ID], previousCommit: expect.any(String) });
  const upRefused = await cli("agents", "update", ID);
  expect(upRefused.code).toBe(2);
  const up = await cli("agents", "update", ID, "--yes", "--json");
  expect(up.stderr).toBe("");
  expect(up.code).toBe(0);
  expect(up.json).toMatchObject({ fromCommit: v1, toCommit: agent.sha, permissions: { added: ["process:spawn"], removed: [] }, escalation: ["process:spawn"], enabled: false });
  expect(JSON.parse(readFileSync(join(src, "opensentience.agent.json"), "utf8")).version).toBe("0.2.0");
  const info2 = await cli("agents", "info", ID, "--json");
  expect(info2.json).toMatchObject({ enabled: false, version: "0.2.0", install: { commit: agent.sha } });
  expect(info2.json.approvals.map((a: { permission: string }) => a.permission)).toEqual(["env:read:HELLO_NAME"]);

  // Re-approve, then revoke one and disable.
  const en2 = await cli("agents", "enable", ID, "--approve", "process:spawn", "--json");
  expect(en2.json).toMatchObject({ enabled: true, approved: ["env:read:HELLO_NAME", "process:spawn"] });
  expect((await cli("agents", "revoke", ID, "env:read:HELLO_NAME", "--json")).json).toMatchObject({ revoked: "env:read:HELLO_NAME", approved: ["process:spawn"] });
  expect((await cli("agents", "disable", ID, "--json")).json).toMatchObject({ enabled: false, wasEnabled: true });

  // Uninstall: needs --yes without a terminal.
  expect((await cli("agents", "uninstall", ID)).code).toBe(2);
  const un = await cli("agents", "uninstall", ID, "--yes", "--json");
  expect(un.code).toBe(0);
  expect(un.json).toMatchObject({ agentId: ID, removed: [join(h.home, "agents", ID)] });
  expect(existsSync(join(h.home, "agents", ID))).toBe(false);
  const info3 = await cli("agents", "info", ID, "--json");
  expect(info3.json).toMatchObject({ status: "available", install: null, approvals: [] });

  // The audit trail, oldest first.
  const audit = await cli("audit", "--json", "--limit", "500");
  const events = (audit.json.events as Array<{ action: string; outcome: string; actor: string; agentId: string | null; details: Record<string, unknown> }>).reverse();
  const trail = events.filter((e) => e.action !== "discovery.run").map((e) => `${e.action}:${e.outcome}`);
  expect(trail).toEqual([
    "registry.add:ok",
    "registry.sync:ok",
    "agent.install:started",
    "agent.fetch:ok",
    "agent.build:ok",
    "agent.install:ok",
    "agent.enable:denied",
    "agent.enable:denied",
    // Enabling pins the manifest's declared tool surface (issue 16) until the first registration.
    "tools.surface_pinned:ok",
    "agent.enable:ok",
    "registry.sync:ok",
    "agent.update:started",
    "agent.fetch:ok",
    "agent.manifest_diff:ok",
    "agent.build:ok",
    "agent.permission_escalation:ok",
    "agent.update:ok",
    "agent.enable:ok",
    "agent.revoke:ok",
    "agent.disable:ok",
    "agent.uninstall:ok",
  ]);
  expect(events.every((e) => e.actor === "cli")).toBe(true);
  const byAction = (a: string, o = "ok") => events.find((e) => e.action === a && e.outcome === o)!.details;
  expect(byAction("agent.install")).toMatchObject({ source: "remote", registry: "fx", git_url: agent.url, ref: "main", commit: v1, commands: ["mix deps.get", "mix compile"] });
  expect(byAction("agent.build")).toMatchObject({ commands: ["mix deps.get", "mix compile"], timed_out: false, env: { MIX_ENV: "prod", HEX_OFFLINE: "1" } });
  expect(byAction("agent.update")).toMatchObject({ from_commit: v1, to_commit: agent.sha, permissions_added: ["process:spawn"], escalation: ["process:spawn"] });
  expect(byAction("agent.permission_escalation")).toMatchObject({ unapproved: ["process:spawn"], was_enabled: true, disabled: true });
  expect(byAction("agent.enable")).toMatchObject({ newly_approved: ["env:read:HELLO_NAME"], not_approved: ["filesystem:read:~/Documents"] });
  expect(byAction("agent.revoke")).toMatchObject({ permission: "env:read:HELLO_NAME" });
  expect(byAction("registry.sync")).toMatchObject({ name: "fx", commit: reg.sha === sync.json.commit ? reg.sha : expect.any(String) });
  // Every agent.* event of one install/update shares a correlation id (checked via the JSON result).
  const perInstall = await cli("audit", "--json", "--correlation", inst.json.correlationId);
  expect(perInstall.json.events.map((e: { action: string }) => e.action).reverse()).toEqual(["agent.install", "agent.fetch", "agent.build", "agent.install"]);
  // Keep the suite fast: two real mix builds plus ~25 CLI calls.
  expect(performance.now() - t0).toBeLessThan(45_000);
}, 120_000);
