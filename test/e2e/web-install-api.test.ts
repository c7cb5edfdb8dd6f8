/**
 * The marketplace flow over the JSON API of the COMPILED daemon, with a real
 * file:// git registry and a real Elixir agent built by mix:
 * add registry → sync → install (428 without confirm, then 202 + operation)
 * → enable a subset → update with a permission escalation (agent disabled)
 * → re-approve → revoke → disable → uninstall; every audit event is `api`.
 * Also: the session (browser) path audits as `ui`, CSRF is required for it,
 * a rewritten registry history is refused until `force`, a failed build is a
 * failed operation with the log tail, and errors before the work starts are
 * answered directly.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type AgentRepo, agentRepo, bumpAgent, cleanupTemp, commitAll, git, type RegistryRepo, registryEntry, registryRepo, tempDir, updateRegistry, writeFiles } from "../helpers/git-fixtures.ts";
import { auditEvents, loginOverHttp, type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";

setDefaultTimeout(120_000);

const ID = "com.example.hello";
const BAD_ID = "com.example.broken_build";
let agent: AgentRepo;
let broken: AgentRepo;
let reg: RegistryRepo;
let d: RunningDaemon;

beforeAll(async () => {
  const root = tempDir();
  agent = agentRepo(root, { id: ID, version: "0.1.0", permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents"], keywords: ["greeting"] });
  broken = agentRepo(root, { id: BAD_ID, version: "0.1.0" }, { "lib/hello_agent.ex": "defmodule HelloAgent do\n  def broken(, do: :syntax_error\nend\n" });
  reg = registryRepo(root, { [`${ID}.json`]: registryEntry(agent), [`${BAD_ID}.json`]: registryEntry(broken) });
  d = await startWebDaemon({ home: tempHome() });
});
afterAll(async () => {
  await d?.stop();
  d?.home.cleanup();
  cleanupTemp();
});

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; headers: Headers }> {
  const r = await d.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : {}, headers: r.headers };
}

/** Follows a 202 operation to its end with the long-poll endpoint (no fixed sleeps). */
async function finish(op: Json): Promise<Json> {
  const deadline = performance.now() + 110_000;
  let cur = op;
  while (cur.status === "running") {
    if (performance.now() > deadline) throw new Error(`operation ${op.id} still running`);
    const r = await call("GET", `/api/v1/operations/${op.id}?wait=20`);
    expect(r.status).toBe(200);
    cur = r.json;
  }
  return cur;
}

async function accepted(method: string, path: string, body?: unknown): Promise<Json> {
  const r = await call(method, path, body);
  if (r.status !== 202) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  expect(r.headers.get("location")).toBe(`/api/v1/operations/${r.json.id}`);
  expect(r.json.status).toBe("running");
  return finish(r.json);
}

test("registry → sync → install → enable subset → update with escalation → re-approve → uninstall, audited as api", async () => {
  // Registry: add (201), duplicate (409), bad URL (400), list, sync (202 → succeeded).
  const add = await call("POST", "/api/v1/registries", { name: "fx", git_url: reg.url });
  expect(add.status).toBe(201);
  expect(add.json).toMatchObject({ name: "fx", gitUrl: reg.url, ref: "main", lastSyncAt: null });
  expect((await call("POST", "/api/v1/registries", { name: "fx", git_url: reg.url })).status).toBe(409);
  const badUrl = await call("POST", "/api/v1/registries", { name: "evil", git_url: "ext::sh -c id" });
  expect(badUrl.status).toBe(400);
  expect(badUrl.json.error.code).toBe("invalid_argument");
  expect((await call("POST", "/api/v1/registries", { name: "x", git_url: reg.url, extra: 1 })).status).toBe(400);
  const sync = await accepted("POST", "/api/v1/registries/fx/sync");
  expect(sync).toMatchObject({ kind: "registry.sync", target: "fx", status: "succeeded", actor: "api", progressTopic: "progress:registry:fx" });
  expect(sync.result).toMatchObject({ name: "fx", commit: reg.sha, status: "ok" });
  expect(sync.result.added.sort()).toEqual([BAD_ID, ID]);
  const list = await call("GET", "/api/v1/registries");
  expect(list.json.registries[0]).toMatchObject({ name: "fx", lastCommit: reg.sha, lastSyncStatus: "ok", agentCount: 2 });
  expect((await call("GET", "/api/v1/registries/nope")).status).toBe(404);
  expect((await call("POST", "/api/v1/registries/nope/sync")).status).toBe(404);

  // Install plan: exact commands, directory, source; a pure catalog read.
  const plan = await call("GET", `/api/v1/agents/${ID}/install-plan`);
  expect(plan.status).toBe(200);
  expect(plan.json).toMatchObject({
    agentId: ID,
    source: "remote",
    registry: "fx",
    gitUrl: agent.url,
    ref: "main",
    commands: ["mix deps.get", "mix compile"],
    buildDirectory: join(d.home.home, "agents", ID, "next"),
    installPath: join(d.home.home, "agents", ID, "src"),
    permissionsRequested: ["env:read:HELLO_NAME", "filesystem:read:~/Documents"],
    // The exact commit the ref names now (git ls-remote, nothing fetched): what the confirmation shows.
    headCommit: agent.sha,
    commit: null,
  });
  expect((await call("GET", "/api/v1/agents/com.example.nope/install-plan")).status).toBe(404);

  // Install without confirm: 428 and nothing fetched; unknown agent: 404 even without confirm.
  const refused = await call("POST", `/api/v1/agents/${ID}/install`, {});
  expect(refused.status).toBe(428);
  expect(refused.json.error.code).toBe("confirmation_required");
  expect((await call("POST", `/api/v1/agents/${ID}/install`, { confirm: false })).status).toBe(428);
  expect((await call("POST", "/api/v1/agents/com.example.nope/install", { confirm: true })).status).toBe(404);
  expect(existsSync(join(d.home.home, "agents", ID))).toBe(false);

  // A commit other than the one the source has (the plan was reviewed, then the ref moved): refused, nothing installed.
  const stale = await accepted("POST", `/api/v1/agents/${ID}/install`, { confirm: true, expect_commit: "0".repeat(40) });
  expect(stale).toMatchObject({ status: "failed", error: { code: "conflict" } });
  expect(stale.error.message).toContain("the source moved");
  expect(existsSync(join(d.home.home, "agents", ID))).toBe(false);

  const inst = await accepted("POST", `/api/v1/agents/${ID}/install`, { confirm: true, expect_commit: agent.sha });
  expect(inst).toMatchObject({ kind: "agent.install", target: ID, status: "succeeded", progressTopic: `progress:install:${ID}`, error: null });
  expect(inst.result).toMatchObject({ agentId: ID, state: "installed", source: "remote", registry: "fx", commit: agent.sha, enabled: false, correlationId: inst.correlationId });
  expect(existsSync(join(d.home.home, "agents", ID, "src/_build/prod/lib/hello_agent/ebin/Elixir.HelloAgent.beam"))).toBe(true);
  // Installing again is refused directly (409), not as a failed operation.
  expect((await call("POST", `/api/v1/agents/${ID}/install`, { confirm: true })).status).toBe(409);

  // Enable a subset; an unrequested permission is 400 and changes nothing.
  const bad = await call("POST", `/api/v1/agents/${ID}/enable`, { approve: ["network:egress:*"] });
  expect(bad.status).toBe(400);
  expect(bad.json.error.message).toContain("not requested by its manifest");
  const en = await call("POST", `/api/v1/agents/${ID}/enable`, { approve: ["env:read:HELLO_NAME"] });
  expect(en.status).toBe(200);
  expect(en.json).toMatchObject({ enabled: true, approved: ["env:read:HELLO_NAME"], notApproved: ["filesystem:read:~/Documents"] });
  expect((await call("GET", `/api/v1/agents/${ID}/approvals`)).json).toMatchObject({ enabled: true, approved: ["env:read:HELLO_NAME"] });

  // Update: a new commit that asks for one more permission.
  const v1 = agent.sha;
  bumpAgent(agent, { version: "0.2.0", permissions: ["env:read:HELLO_NAME", "filesystem:read:~/Documents", "process:spawn"] }, {
    "lib/hello_agent.ex": 'defmodule HelloAgent do\n  def hello(name \\\\ "world"), do: "hi, #{name}"\nend\n',
  });
  updateRegistry(reg, { [`${ID}.json`]: registryEntry(agent) }, "bump hello to 0.2.0");
  expect((await accepted("POST", "/api/v1/registries/sync", { force: false })).result[0].result).toMatchObject({ updated: [ID] });
  const up = await call("GET", `/api/v1/agents/${ID}/update-plan`);
  expect(up.status).toBe(200);
  expect(up.json).toMatchObject({
    fromCommit: v1,
    toCommit: agent.sha,
    upToDate: false,
    fromVersion: "0.1.0",
    toVersion: "0.2.0",
    permissions: { added: ["process:spawn"], removed: [] },
    escalation: ["process:spawn"],
    commits: [{ sha: agent.sha, subject: "bump 0.2.0" }],
    commands: ["mix deps.get", "mix compile"],
  });
  expect((await call("POST", `/api/v1/agents/${ID}/update`, {})).status).toBe(428);
  const moved = await accepted("POST", `/api/v1/agents/${ID}/update`, { confirm: true, expect_commit: "0".repeat(40) });
  expect(moved).toMatchObject({ status: "failed", error: { code: "conflict", status: 409 } });
  expect(moved.error.message).toContain("the source moved");
  const upd = await accepted("POST", `/api/v1/agents/${ID}/update`, { confirm: true, expect_commit: up.json.toCommit });
  expect(upd.result).toMatchObject({ fromCommit: v1, toCommit: agent.sha, escalation: ["process:spawn"], enabled: false });
  const info = await call("GET", `/api/v1/agents/${ID}`);
  expect(info.json).toMatchObject({ version: "0.2.0", enabled: false, install: { commit: agent.sha } });
  expect((await call("GET", `/api/v1/agents/${ID}/update-plan`)).json).toMatchObject({ upToDate: true, toCommit: agent.sha, permissions: { added: [], removed: [] } });

  // Re-approve the new permission, then revoke one and disable.
  const en2 = await call("POST", `/api/v1/agents/${ID}/enable`, { approve: ["process:spawn"] });
  expect(en2.json).toMatchObject({ enabled: true, approved: ["env:read:HELLO_NAME", "process:spawn"] });
  const rv = await call("POST", `/api/v1/agents/${ID}/revoke`, { permission: "env:read:HELLO_NAME" });
  expect(rv.json).toMatchObject({ revoked: "env:read:HELLO_NAME", approved: ["process:spawn"] });
  expect((await call("POST", `/api/v1/agents/${ID}/revoke`, { permission: "env:read:HELLO_NAME" })).status).toBe(404);
  expect((await call("POST", `/api/v1/agents/${ID}/disable`)).json).toMatchObject({ enabled: false, wasEnabled: true });

  // Uninstall: 428 without confirm, then gone.
  expect((await call("POST", `/api/v1/agents/${ID}/uninstall`, {})).status).toBe(428);
  const un = await call("POST", `/api/v1/agents/${ID}/uninstall`, { confirm: true });
  expect(un.status).toBe(200);
  expect(un.json).toMatchObject({ agentId: ID, removed: [join(d.home.home, "agents", ID)] });
  expect(existsSync(join(d.home.home, "agents", ID))).toBe(false);
  expect((await call("GET", `/api/v1/agents/${ID}`)).json).toMatchObject({ status: "available", install: null, approvals: [] });

  // Audit: every event of this flow is `api`, in order.
  const events = (await auditEvents(d)).reverse().filter((e) => /^(registry|agent)\./.test(e.action));
  expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
    "registry.add:ok",
    "registry.add:error",
    "registry.add:error",
    "registry.sync:ok",
    "agent.install:started",
    "agent.fetch:ok",
    "agent.install:error", // expect_commit was not the fetched commit
    "agent.install:started",
    "agent.fetch:ok",
    "agent.build:ok",
    "agent.install:ok",
    "agent.enable:denied",
    "agent.enable:ok",
    "registry.sync:ok",
    "agent.fetch:ok",
    "agent.update:started",
    "agent.fetch:ok",
    "agent.update:error",
    "agent.update:started",
    "agent.fetch:ok",
    "agent.manifest_diff:ok",
    "agent.build:ok",
    "agent.permission_escalation:ok",
    "agent.update:ok",
    "agent.fetch:ok",
    "agent.enable:ok",
    "agent.revoke:ok",
    "agent.disable:ok",
    "agent.uninstall:ok",
  ]);
  expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["api"]));
  // The operation's correlation id ties its audit events together.
  const perInstall = await call("GET", `/api/v1/audit?correlation=${inst.correlationId}`);
  expect(perInstall.json.events.map((e: Json) => e.action).reverse()).toEqual(["agent.install", "agent.fetch", "agent.build", "agent.install"]);
});

test("a failed build is a failed operation with the log tail; the agent is install_failed", async () => {
  const op = await accepted("POST", `/api/v1/agents/${BAD_ID}/install`, { confirm: true, registry: "fx" });
  expect(op).toMatchObject({ status: "failed", error: { code: "build_failed", status: 500 } });
  expect(op.error.message).toContain("mix compile");
  expect(op.error.tail.join("\n")).toContain("hello_agent.ex");
  expect((await call("GET", `/api/v1/agents/${BAD_ID}`)).json).toMatchObject({ status: "install_failed", install: { state: "install_failed" } });
  expect((await call("POST", `/api/v1/agents/${BAD_ID}/uninstall`, { confirm: true })).status).toBe(200);
});

test("rewritten registry history is refused until force", async () => {
  git(reg.dir, "commit", "-q", "--amend", "-m", "rewritten");
  const sha = git(reg.dir, "rev-parse", "HEAD");
  const refused = await accepted("POST", "/api/v1/registries/fx/sync");
  expect(refused).toMatchObject({ status: "failed", error: { code: "conflict", status: 409 } });
  expect(refused.error.message).toContain("history was rewritten");
  expect((await call("GET", "/api/v1/registries/fx")).json).toMatchObject({ lastSyncStatus: "failed" });
  const forced = await accepted("POST", "/api/v1/registries/fx/sync", { force: true });
  expect(forced.result).toMatchObject({ commit: sha, historyRewritten: true, forced: true });
  // Bad entry files are reported per file, the rest still syncs.
  writeFiles(reg.dir, { "agents/com.example.wrong.json": '{"id": "com.example.other"}' });
  commitAll(reg.dir, "bad entry");
  const partial = await accepted("POST", "/api/v1/registries/fx/sync");
  expect(partial.result.status).toBe("partial");
  expect((await call("GET", "/api/v1/registries/fx")).json.entryErrors[0].file).toContain("com.example.wrong.json");
});

test("the browser session path: CSRF required, audited as ui; registry remove", async () => {
  const s = await loginOverHttp(d);
  const headers = { cookie: s.cookie, "content-type": "application/json", origin: d.url };
  const noCsrf = await fetch(`${d.url}/api/v1/registries/fx/sync`, { method: "POST", headers, body: "{}" });
  expect(noCsrf.status).toBe(403);
  const r = await fetch(`${d.url}/api/v1/registries/fx/sync`, { method: "POST", headers: { ...headers, "x-csrf-token": s.csrf }, body: "{}" });
  expect(r.status).toBe(202);
  const op = await finish((await r.json()) as Json);
  expect(op).toMatchObject({ actor: "ui", status: "succeeded" });
  // Unknown operation ids are 404; waits are bounded.
  expect((await call("GET", "/api/v1/operations/nope")).status).toBe(404);
  expect((await call("GET", `/api/v1/operations/${op.id}?wait=500`)).status).toBe(400);
  // Form actions answer a refusal with the page and the error (and the API's status), not a redirect.
  const form = (path: string, body: string) =>
    fetch(`${d.url}${path}`, { method: "POST", redirect: "manual", headers: { cookie: s.cookie, origin: d.url, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${s.csrf}&${body}` });
  const notInstalled = await form(`/actions/agents/${ID}/disable`, "");
  expect(notInstalled.status).toBe(404);
  expect(await notInstalled.text()).toMatch(/notice-danger[\s\S]*is not installed/);
  const badAdd = await form("/actions/registries", `name=x2&git_url=${encodeURIComponent("ext::sh -c id")}`);
  expect(badAdd.status).toBe(400);
  const badHtml = await badAdd.text();
  expect(badHtml).toContain("notice-danger");
  expect(badHtml).toContain('value="ext::sh -c id"');
  const added = await form("/actions/registries", `name=x2&git_url=${encodeURIComponent(reg.url)}&ref=`);
  expect(added.status).toBe(303);
  expect(added.headers.get("location")).toBe("/registries?added=x2");
  const removed = await form("/actions/registries/x2/remove", "");
  expect(removed.headers.get("location")).toBe("/registries?removed=1");
  const rm = await call("DELETE", "/api/v1/registries/fx");
  expect(rm.json).toMatchObject({ name: "fx", removedListings: 2 });
  expect((await call("GET", "/api/v1/registries")).json.registries).toEqual([]);
  const last = (await auditEvents(d)).find((e) => e.action === "registry.sync")!;
  expect(last.actor).toBe("ui");
});
