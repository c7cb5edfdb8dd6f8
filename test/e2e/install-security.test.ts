/**
 * The install trust boundary with real git (file:// remotes) and real mix
 * builds: submodules, hostile dependencies, failing and hanging builds,
 * symlinked install dirs, id/pin mismatches, confirmation, failed updates,
 * approvals. Every marker a hostile input would write must stay absent and the
 * catalog must stay consistent.
 */
import { installPlanText } from "../../src/cli/format-install.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentStopReason } from "../../src/core/approvals/agent-hooks.ts";
import { isAppError } from "../../src/core/errors.ts";
import type { Services } from "../../src/core/services.ts";
import {
  type AgentRepo,
  agentRepo,
  bumpAgent,
  cleanupTemp,
  commitAll,
  git,
  processesMatching,
  registryEntry,
  registryRepo,
  servicesFor,
  tempDir,
  testHome,
  updateRegistry,
  writeFiles,
} from "../helpers/git-fixtures.ts";

afterAll(cleanupTemp);

/** Tests that run real mix builds (~1 s each). */
const SLOW = 60_000;

async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message, details: e.details };
    return { code: "non-app", message: String(e) };
  }
  return { code: "no error", message: "" };
}

/** Services with one registry `fx` listing the given agents, synced. */
async function withRegistry(agents: Array<AgentRepo | Record<string, unknown>>, limits: Record<string, number> = {}) {
  const root = tempDir();
  const entries: Record<string, unknown> = {};
  for (const a of agents) {
    const e = "dir" in a ? registryEntry(a as AgentRepo) : a;
    entries[`${e.id as string}.json`] = e;
  }
  const reg = registryRepo(root, entries);
  const h = testHome(limits);
  const s = servicesFor(h);
  s.registries.add({ name: "fx", gitUrl: reg.url }, { actor: "cli" });
  await s.registries.sync("fx", { actor: "cli" });
  return { s, h, reg };
}

const agentDir = (s: Services, id: string) => join(s.config.paths.agentsDir, id);

describe("install: hostile repositories", () => {
  const root = tempDir();

  test("submodules are never fetched or checked out", async () => {
    const sub = join(root, "sub");
    const subSha = (() => {
      mkdirSync(sub);
      git(sub, "init", "-q");
      writeFileSync(join(sub, "payload.txt"), "should never arrive");
      return commitAll(sub, "payload");
    })();
    const a = agentRepo(root, { id: "com.example.withsub" });
    git(a.dir, "submodule", "add", "-q", `file://${sub}`, "vendor/sub");
    a.sha = commitAll(a.dir, "add submodule");
    const { s } = await withRegistry([a]);
    const r = await s.installer.install("com.example.withsub", { actor: "cli", confirm: true });
    expect(r.commit).toBe(a.sha);
    const src = join(agentDir(s, "com.example.withsub"), "src");
    expect(existsSync(join(src, ".gitmodules"))).toBe(true);
    expect(existsSync(join(src, "vendor/sub/payload.txt"))).toBe(false);
    expect(readdirSync(join(src, "vendor/sub"))).toEqual([]);
    expect(subSha).toHaveLength(40);
    s.close();
  }, SLOW);

  test("a mix dependency on an ext:: git URL fails deps.get; nothing runs; install_failed", async () => {
    const marker = join(root, "ext-marker");
    const a = agentRepo(
      root,
      { id: "com.example.extdep" },
      {
        "mix.exs": `defmodule ExtDep.MixProject do
  use Mix.Project
  def project, do: [app: :ext_dep, version: "0.1.0", elixir: "~> 1.14", deps: [{:evil, git: "ext::sh -c touch% ${marker}"}]]
end
`,
      },
    );
    const { s } = await withRegistry([a]);
    const f = await failure(s.installer.install("com.example.extdep", { actor: "cli", confirm: true }));
    expect(f.code).toBe("build_failed");
    expect(f.message).toContain("mix deps.get");
    expect(existsSync(marker)).toBe(false);
    const i = s.catalog.installFor("com.example.extdep")!;
    expect(i.state).toBe("install_failed");
    expect(i.enabled).toBe(false);
    const log = readFileSync(join(agentDir(s, "com.example.extdep"), "build.log"), "utf8");
    expect(log).toMatch(/not allowed|ext/i);
    expect(existsSync(join(agentDir(s, "com.example.extdep"), "next"))).toBe(false);
    expect(existsSync(join(agentDir(s, "com.example.extdep"), "src"))).toBe(false);
    s.close();
  }, SLOW);

  test("a failing build leaves install_failed with the log tail, never installed", async () => {
    const a = agentRepo(root, { id: "com.example.broken" }, { "lib/broken.ex": "defmodule Broken do\n  def oops( do\nend\n" });
    const { s } = await withRegistry([a]);
    const f = await failure(s.installer.install("com.example.broken", { actor: "cli", confirm: true }));
    expect(f.code).toBe("build_failed");
    expect(f.message).toContain("'mix compile' exited with 1");
    expect((f.details?.tail as string[]).join("\n")).toMatch(/SyntaxError|TokenMissingError|error/i);
    expect(s.catalog.get("com.example.broken").status).toBe("install_failed");
    expect(s.catalog.installFor("com.example.broken")!.lastError).toContain("build of com.example.broken failed");
    expect((await failure(() => s.approvals.enable("com.example.broken", { actor: "cli", approveAll: true }))).code).toBe("conflict");
    const build = s.audit.query({ action: "agent.build" })[0]!;
    expect(build.outcome).toBe("error");
    expect(build.details.commands).toEqual(["mix deps.get", "mix compile"]);
    expect(s.audit.query({ action: "agent.install" })[0]!.outcome).toBe("error");
    // A retry after fixing the code works from install_failed.
    bumpAgent(a, { version: "0.1.1" }, { "lib/broken.ex": "defmodule Broken do\n  def ok, do: :ok\nend\n" });
    const r = await s.installer.install("com.example.broken", { actor: "cli", confirm: true });
    expect(r.commit).toBe(a.sha);
    expect(s.catalog.installFor("com.example.broken")!.state).toBe("installed");
    s.close();
  }, SLOW);

  test("a build that hangs past the deadline is killed with its children; install_failed; no process left", async () => {
    const a = agentRepo(
      root,
      { id: "com.example.hang" },
      {
        "mix.exs": `System.cmd("sleep", ["31337"])
defmodule Hang.MixProject do
  use Mix.Project
  def project, do: [app: :hang, version: "0.1.0", elixir: "~> 1.14", deps: []]
end
`,
      },
    );
    const { s } = await withRegistry([a], { build_timeout_ms: 2500 });
    const t0 = performance.now();
    const f = await failure(s.installer.install("com.example.hang", { actor: "cli", confirm: true }));
    const took = performance.now() - t0;
    expect(f.code).toBe("timeout");
    expect(f.message).toContain("did not finish within 2500 ms");
    expect(took).toBeLessThan(10_000);
    expect(processesMatching("sleep 31337")).toEqual([]);
    expect(s.catalog.installFor("com.example.hang")!.state).toBe("install_failed");
    expect(existsSync(join(agentDir(s, "com.example.hang"), "next"))).toBe(false);
    expect(readFileSync(join(agentDir(s, "com.example.hang"), "build.log"), "utf8")).toContain("killed after the 2500 ms build deadline");
    s.close();
  }, SLOW);

  test("a pre-existing symlink at agents/<id> (or agents/) is refused and its target untouched", async () => {
    const a = agentRepo(root, { id: "com.example.sym" });
    const { s } = await withRegistry([a]);
    const victim = join(root, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "keep.txt"), "precious");
    mkdirSync(s.config.paths.agentsDir, { recursive: true });
    symlinkSync(victim, agentDir(s, "com.example.sym"));
    const f = await failure(s.installer.install("com.example.sym", { actor: "cli", confirm: true }));
    expect(f.code).toBe("forbidden");
    expect(f.message).toContain("symbolic link");
    expect(readdirSync(victim)).toEqual(["keep.txt"]);
    expect(s.catalog.installFor("com.example.sym")).toBeUndefined();

    const { s: s2 } = await withRegistry([a]);
    symlinkSync(victim, s2.config.paths.agentsDir);
    expect((await failure(s2.installer.install("com.example.sym", { actor: "cli", confirm: true }))).code).toBe("forbidden");
    expect(readdirSync(victim)).toEqual(["keep.txt"]);
    s.close();
    s2.close();
  }, SLOW);

  test("a fetched manifest whose id differs from the registry's aborts the install", async () => {
    const a = agentRepo(root, { id: "com.example.impostor" });
    const entry = registryEntry(a, { id: "com.example.trusted", manifest: { ...a.manifest, id: "com.example.trusted" } });
    const { s } = await withRegistry([entry]);
    const f = await failure(s.installer.install("com.example.trusted", { actor: "cli", confirm: true }));
    expect(f.code).toBe("invalid_manifest");
    expect(f.message).toContain("'com.example.impostor'");
    expect(s.audit.query({ action: "agent.manifest_mismatch" })[0]!.outcome).toBe("denied");
    expect(s.catalog.installFor("com.example.trusted")).toBeUndefined();
    expect(existsSync(join(agentDir(s, "com.example.trusted"), "next"))).toBe(false);
    s.close();
  }, SLOW);

  test("a registry-pinned commit that the ref no longer resolves to is refused", async () => {
    const a = agentRepo(root, { id: "com.example.pinned" });
    const pinned = a.sha;
    bumpAgent(a, { version: "0.2.0" });
    const { s } = await withRegistry([registryEntry(a, { commit: pinned })]);
    const f = await failure(s.installer.install("com.example.pinned", { actor: "cli", confirm: true }));
    expect(f.code).toBe("forbidden");
    expect(f.message).toContain(pinned.slice(0, 12));
    expect(s.audit.query({ action: "agent.verify" })[0]!.details).toMatchObject({ pinned_commit: pinned, commit: a.sha });
    // The pinned commit itself, asked for explicitly, installs (and the plan says the pin is not checked).
    const plan = s.installer.planInstall("com.example.pinned", { ref: pinned });
    expect(plan.pinnedCommit).toBeNull();
    const r = await s.installer.install("com.example.pinned", { actor: "cli", ref: pinned, confirm: true });
    expect(r.commit).toBe(pinned);
    s.close();
  }, SLOW);

  test("a pin the ref resolves to is verified before the confirmation (audited; the plan text says so)", async () => {
    const a = agentRepo(root, { id: "com.example.pinok" });
    const { s } = await withRegistry([registryEntry(a, { commit: a.sha })]);
    expect(installPlanText(s.installer.planInstall("com.example.pinok"))).toContain(`${a.sha} (the fetched commit must match, else nothing is built)`);
    let shown = "";
    const f = await failure(
      s.installer.install("com.example.pinok", {
        actor: "cli",
        confirm: (plan) => {
          shown = installPlanText(plan);
          return false; // decline: nothing is built
        },
      }),
    );
    expect(f.code).toBe("confirmation_required");
    expect(shown).toContain(`${a.sha} (verified: the fetched commit matches)`);
    expect(s.audit.query({ action: "agent.verify" })[0]).toMatchObject({ outcome: "ok", details: { pinned_commit: a.sha, commit: a.sha } });
    s.close();
  }, SLOW);

  test("hostile --ref values are refused before git runs", async () => {
    const a = agentRepo(root, { id: "com.example.refs" });
    const { s } = await withRegistry([a]);
    for (const ref of ["-f", "--upload-pack=touch /tmp/x", "a..b", "x@{0}", "ma\u001bin"]) {
      expect((await failure(s.installer.install("com.example.refs", { actor: "cli", ref, confirm: true }))).code).toBe("invalid_argument");
    }
    expect((await failure(s.installer.install("../../etc", { actor: "cli", confirm: true }))).code).toBe("invalid_argument");
    expect(s.catalog.installFor("com.example.refs")).toBeUndefined();
    s.close();
  }, SLOW);
});

describe("install: confirmation, permissions, update, approvals", () => {
  const root = tempDir();

  test("without confirmation nothing is built or recorded as installed", async () => {
    const a = agentRepo(root, { id: "com.example.ask", permissions: ["env:read:ASK"] });
    const { s } = await withRegistry([a]);
    let seen: unknown;
    const f = await failure(
      s.installer.install("com.example.ask", {
        actor: "cli",
        confirm: (plan) => {
          seen = plan;
          return false;
        },
      }),
    );
    expect(f.code).toBe("confirmation_required");
    expect(seen).toMatchObject({ commit: a.sha, commands: ["mix deps.get", "mix compile"], permissionsRequested: ["env:read:ASK"] });
    expect(s.catalog.installFor("com.example.ask")).toBeUndefined();
    expect(existsSync(agentDir(s, "com.example.ask"))).toBe(false);
    expect(s.audit.query({ action: "agent.install" })[0]!.outcome).toBe("denied");
    expect((await failure(s.installer.install("com.example.ask", { actor: "cli" }))).code).toBe("confirmation_required");
    s.close();
  }, SLOW);

  test("a second operation on the same agent while one runs is refused", async () => {
    const a = agentRepo(root, { id: "com.example.busy" });
    const { s } = await withRegistry([a]);
    let inner: { code: string } | undefined;
    await s.installer.install("com.example.busy", {
      actor: "cli",
      confirm: async () => {
        inner = await failure(s.installer.install("com.example.busy", { actor: "cli", confirm: true }));
        return true;
      },
    });
    expect(inner?.code).toBe("conflict");
    expect(s.catalog.installFor("com.example.busy")!.state).toBe("installed");
    s.close();
  }, SLOW);

  test("permission differences between the registry copy and the fetched manifest are shown and audited", async () => {
    const a = agentRepo(root, { id: "com.example.diff", permissions: ["env:read:REAL", "process:spawn"] });
    const { s } = await withRegistry([registryEntry(a, { manifest: { ...a.manifest, permissions: ["env:read:REAL", "env:read:OLD"] } })]);
    const r = await s.installer.install("com.example.diff", { actor: "cli", confirm: true });
    expect(r.permissionDiff).toEqual({ added: ["process:spawn"], removed: ["env:read:OLD"] });
    expect(s.audit.query({ action: "agent.manifest_diff" })[0]!.details).toMatchObject({ added: ["process:spawn"], removed: ["env:read:OLD"] });
    // After install the cloned manifest is authoritative.
    expect(s.catalog.get("com.example.diff").permissionsRequested).toEqual(["env:read:REAL", "process:spawn"]);
    s.close();
  }, SLOW);

  test("approvals are a subset of the request; disable/revoke/uninstall call the stop hook", async () => {
    const a = agentRepo(root, { id: "com.example.perm", permissions: ["env:read:A", "env:read:B"] });
    const { s } = await withRegistry([a]);
    const stops: Array<[string, AgentStopReason]> = [];
    s.agentHooks.onStop((id, reason) => void stops.push([id, reason]));
    expect((await failure(() => s.approvals.enable("com.example.perm", { actor: "cli", approveAll: true }))).code).toBe("not_found");
    await s.installer.install("com.example.perm", { actor: "cli", confirm: true });
    const bad = await failure(() => s.approvals.enable("com.example.perm", { actor: "cli", approve: ["env:read:A", "network:egress:*"] }));
    expect(bad.code).toBe("invalid_argument");
    expect(bad.message).toContain("'network:egress:*'");
    expect(s.catalog.installFor("com.example.perm")!.enabled).toBe(false);
    expect(s.catalog.approvalsFor("com.example.perm")).toEqual([]);
    const en = s.approvals.enable("com.example.perm", { actor: "ui", approve: ["env:read:A"] });
    expect(en).toMatchObject({ enabled: true, approved: ["env:read:A"], notApproved: ["env:read:B"] });
    expect(s.catalog.approvalsFor("com.example.perm")[0]).toMatchObject({ permission: "env:read:A", actor: "ui" });
    expect((await failure(s.approvals.revoke("com.example.perm", "env:read:B", { actor: "cli" }))).code).toBe("not_found");
    await s.approvals.revoke("com.example.perm", "env:read:A", { actor: "cli" });
    await s.approvals.disable("com.example.perm", { actor: "cli" });
    await s.installer.uninstall("com.example.perm", { actor: "cli", confirm: true });
    expect(stops).toEqual([
      ["com.example.perm", "permission_revoked"],
      ["com.example.perm", "disabled"],
      ["com.example.perm", "uninstalled"],
    ]);
    expect(existsSync(agentDir(s, "com.example.perm"))).toBe(false);
    expect(s.catalog.get("com.example.perm").status).toBe("available");
    s.close();
  }, SLOW);

  test("a failed update keeps the working version; a good one swaps and escalation disables", async () => {
    const a = agentRepo(root, { id: "com.example.upd", permissions: ["env:read:A"] });
    const { s, reg } = await withRegistry([a]);
    const v1 = a.sha;
    await s.installer.install("com.example.upd", { actor: "cli", confirm: true });
    s.approvals.enable("com.example.upd", { actor: "cli", approveAll: true });
    const src = join(agentDir(s, "com.example.upd"), "src");

    bumpAgent(a, { version: "0.2.0" }, { "lib/hello_agent.ex": "defmodule HelloAgent do\n  def broken( do\nend\n" });
    updateRegistry(reg, { "com.example.upd.json": registryEntry(a) });
    await s.registries.sync("fx", { actor: "cli" });
    const f = await failure(s.updater.update("com.example.upd", { actor: "cli", confirm: true }));
    expect(f.code).toBe("build_failed");
    const kept = s.catalog.installFor("com.example.upd")!;
    expect(kept).toMatchObject({ state: "installed", commitSha: v1, enabled: true });
    expect(JSON.parse(readFileSync(join(src, "opensentience.agent.json"), "utf8")).version).toBe("0.1.0");
    expect(existsSync(join(src, "_build/prod/lib/hello_agent/ebin/Elixir.HelloAgent.beam"))).toBe(true);
    expect(existsSync(join(agentDir(s, "com.example.upd"), "next"))).toBe(false);

    bumpAgent(a, { version: "0.3.0", permissions: ["env:read:A", "filesystem:read:~/Documents"] }, { "lib/hello_agent.ex": "defmodule HelloAgent do\n  def v, do: 3\nend\n" });
    updateRegistry(reg, { "com.example.upd.json": registryEntry(a) });
    await s.registries.sync("fx", { actor: "cli" });
    const plan = await s.updater.checkUpdate("com.example.upd", { actor: "cli" });
    expect(plan).toMatchObject({ fromCommit: v1, toCommit: a.sha, escalation: ["filesystem:read:~/Documents"], upToDate: false });
    expect(plan.commits.map((c) => c.subject)).toEqual(["bump 0.3.0", "bump 0.2.0"]);
    expect((await failure(s.updater.update("com.example.upd", { actor: "cli", confirm: true, expectCommit: v1 }))).code).toBe("conflict");
    const r = await s.updater.update("com.example.upd", { actor: "cli", confirm: true, expectCommit: a.sha });
    expect(r).toMatchObject({ toCommit: a.sha, escalation: ["filesystem:read:~/Documents"], enabled: false });
    expect(JSON.parse(readFileSync(join(src, "opensentience.agent.json"), "utf8")).version).toBe("0.3.0");
    expect(s.audit.query({ action: "agent.permission_escalation" })[0]!.details).toMatchObject({ unapproved: ["filesystem:read:~/Documents"], was_enabled: true, disabled: true });
    expect((await s.updater.update("com.example.upd", { actor: "cli", confirm: true })).upToDate).toBe(true);
    s.close();
  }, SLOW);

  test("a local checkout is built in place in dev mode and survives uninstall", async () => {
    const h = testHome();
    const dir = join(h.scanRoot, "hello");
    writeFiles(dir, {});
    const a = agentRepo(tempDir(), { id: "com.example.local", permissions: ["env:read:L"] });
    for (const f of ["mix.exs", "lib/hello_agent.ex", "opensentience.agent.json"]) writeFiles(dir, { [f]: readFileSync(join(a.dir, f), "utf8") });
    const s = servicesFor(h);
    s.discovery.run({ actor: "cli" });
    const plan = s.installer.planInstall("com.example.local");
    expect(plan).toMatchObject({ source: "local", buildDirectory: dir, installPath: dir });
    const r = await s.installer.install("com.example.local", { actor: "cli", confirm: true });
    expect(r).toMatchObject({ source: "local", devMode: true, installPath: dir });
    expect(existsSync(join(dir, "_build/prod/lib/hello_agent/ebin"))).toBe(true);
    expect(s.catalog.get("com.example.local").status).toBe("local_dev");
    s.approvals.enable("com.example.local", { actor: "cli", approveAll: true });
    // Rebuild keeps approvals and the enabled flag.
    await s.installer.install("com.example.local", { actor: "cli", confirm: true });
    expect(s.catalog.installFor("com.example.local")).toMatchObject({ enabled: true, state: "installed" });
    expect((await failure(s.updater.update("com.example.local", { actor: "cli", confirm: true }))).code).toBe("conflict");
    await s.installer.uninstall("com.example.local", { actor: "cli", confirm: true });
    expect(existsSync(join(dir, "mix.exs"))).toBe(true);
    expect(s.catalog.installFor("com.example.local")).toBeUndefined();
    s.close();
  }, SLOW);
});
