/**
 * Registry add/sync/remove against real git repositories on file:// remotes:
 * per-entry errors, transactional sync, removal of vanished entries, history
 * rewrites, hostile URLs/refs, and the git deadline.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAppError } from "../../src/core/errors.ts";
import { gitConfigArgs, hardenedEnv } from "../../src/core/git/env.ts";
import { Git } from "../../src/core/git/git.ts";
import { runBounded } from "../../src/core/git/process.ts";
import {
  agentRepo,
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
} from "../helpers/git-fixtures.ts";

afterAll(cleanupTemp);

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return isAppError(e) ? e.code : `non-app:${(e as Error).message}`;
  }
  return "no error";
}

describe("registry sync", () => {
  const root = tempDir();
  const good = agentRepo(root, { id: "com.example.good", permissions: ["env:read:GOOD"] });
  const other = agentRepo(root, { id: "com.example.other" });

  test("lists valid entries with registry trust data; bad entries are reported by file name and the rest syncs", async () => {
    const selfDeclared = { ...other.manifest, verification: { level: "verified" }, trust_score: 1 };
    const reg = registryRepo(root, {
      "com.example.good.json": registryEntry(good),
      "com.example.other.json": registryEntry(other, { manifest: selfDeclared, verification: null, trust_score: null, publisher: null }),
      "com.example.named.json": registryEntry(good), // file name and id differ
      "Bad_Name.json": registryEntry(good, { id: "Bad_Name" }),
      "com.example.big.json": JSON.stringify({ ...registryEntry(good, { id: "com.example.big" }), pad: "x".repeat(270_000) }),
      "com.example.badurl.json": registryEntry(good, { id: "com.example.badurl", git_url: "ext::sh -c touch% /tmp/p", manifest: { ...good.manifest, id: "com.example.badurl" } }),
      "com.example.badref.json": registryEntry(good, { id: "com.example.badref", default_ref: "-f", manifest: { ...good.manifest, id: "com.example.badref" } }),
      "com.example.badjson.json": "{ not json",
      "README.md": "ignored",
    });
    symlinkSync("/etc/passwd", join(reg.dir, "agents/com.example.link.json"));
    commitAll(reg.dir, "add symlink entry");

    const s = servicesFor(testHome());
    s.registries.add({ name: "fx", gitUrl: reg.url }, { actor: "cli" });
    const r = await s.registries.sync("fx", { actor: "cli" });
    expect(r.status).toBe("partial");
    expect(r.added.sort()).toEqual(["com.example.good", "com.example.other"]);
    const byFile = Object.fromEntries(r.errors.map((e) => [e.file, e.message]));
    expect(Object.keys(byFile).sort()).toEqual(
      [
        "agents/Bad_Name.json",
        "agents/com.example.badjson.json",
        "agents/com.example.badref.json",
        "agents/com.example.badurl.json",
        "agents/com.example.big.json",
        "agents/com.example.link.json",
        "agents/com.example.named.json",
      ].sort(),
    );
    expect(byFile["agents/com.example.named.json"]).toContain("entry id is 'com.example.good'");
    expect(byFile["agents/com.example.big.json"]).toContain("over the 262144-byte limit");
    expect(byFile["agents/Bad_Name.json"]).toContain("valid reverse-DNS id");
    expect(byFile["agents/com.example.link.json"]).toContain("not a regular file");
    expect(byFile["agents/com.example.badurl.json"]).toContain("git_url");
    expect(byFile["agents/com.example.badref.json"]).toContain("invalid git ref");

    const info = s.registries.get("fx");
    expect(info.lastSyncStatus).toBe("partial");
    expect(info.lastCommit).toBe(git(reg.dir, "rev-parse", "HEAD"));
    expect(info.entryErrors.length).toBe(7);
    expect(info.agentCount).toBe(2);

    const d = s.catalog.get("com.example.good");
    expect(d.key).toBe("registry:fx:com.example.good");
    expect(d.source).toBe("remote");
    expect(d.status).toBe("available");
    expect(d.verification).toBe("verified");
    expect(d.trustScore).toBe(0.8);
    expect(d.publisher).toEqual({ name: "Fixture Publisher", url: "https://example.com" });
    expect(d.gitUrl).toBe(good.url);
    expect(d.keywords).toContain("fixture");
    // Self-declared verification/trust in the manifest copy are ignored.
    const o = s.catalog.get("com.example.other");
    expect(o.verification).toBeNull();
    expect(o.trustScore).toBeNull();
    expect(s.search.search({ query: "registry-keyword" }).total).toBe(2);
    expect(s.search.search({ verification: "verified" }).agents.map((a) => a.id)).toEqual(["com.example.good"]);
    // The bare clone lives in registries/<name>; nothing is checked out there.
    expect(existsSync(join(s.config.paths.registriesDir, "fx", "agents"))).toBe(false);
    s.close();
  });

  test("a failed sync changes nothing; vanished entries are removed on the next good sync", async () => {
    const reg = registryRepo(root, { "com.example.good.json": registryEntry(good), "com.example.other.json": registryEntry(other) });
    const s = servicesFor(testHome());
    s.registries.add({ name: "fx", gitUrl: reg.url }, { actor: "cli" });
    const first = await s.registries.sync("fx", { actor: "cli" });
    expect(first.status).toBe("ok");

    writeFileSync(join(reg.dir, "registry.json"), JSON.stringify({ registry_version: 2, name: "broken" }));
    updateRegistry(reg, { "com.example.other.json": null }, "break registry.json and drop other");
    expect(await codeOf(s.registries.sync("fx", { actor: "cli" }))).toBe("invalid_argument");
    const failed = s.registries.get("fx");
    expect(failed.lastSyncStatus).toBe("failed");
    expect(failed.lastError).toContain("registry_version");
    expect(failed.lastCommit).toBe(first.commit);
    expect(failed.agentCount).toBe(2); // listings untouched
    expect(s.catalog.get("com.example.other").status).toBe("available");
    expect(s.audit.query({ action: "registry.sync" })[0]!.outcome).toBe("error");

    writeFileSync(join(reg.dir, "registry.json"), JSON.stringify({ registry_version: 1, name: "fixed" }));
    updateRegistry(reg, { "com.example.good.json": registryEntry(good, { trust_score: 0.5 }) }, "fix");
    const r = await s.registries.sync("fx", { actor: "cli" });
    expect(r.removed).toEqual(["com.example.other"]);
    expect(r.updated).toEqual(["com.example.good"]);
    expect(await codeOf(() => s.catalog.get("com.example.other"))).toBe("not_found");
    expect(s.catalog.get("com.example.good").trustScore).toBe(0.5);
    s.close();
  });

  test("a rewritten history is refused unless forced, and both are audited", async () => {
    const reg = registryRepo(root, { "com.example.good.json": registryEntry(good) });
    const s = servicesFor(testHome());
    s.registries.add({ name: "fx", gitUrl: reg.url }, { actor: "cli" });
    const first = await s.registries.sync("fx", { actor: "cli" });
    // Force-push equivalent: replace the tip with an unrelated commit.
    writeFileSync(join(reg.dir, "agents/com.example.other.json"), JSON.stringify(registryEntry(other)));
    git(reg.dir, "add", "-A");
    git(reg.dir, "commit", "-q", "--amend", "-m", "rewritten");
    const rewritten = git(reg.dir, "rev-parse", "HEAD");

    expect(await codeOf(s.registries.sync("fx", { actor: "cli" }))).toBe("conflict");
    const after = s.registries.get("fx");
    expect(after.lastCommit).toBe(first.commit);
    expect(after.lastSyncStatus).toBe("failed");
    expect(after.lastError).toContain("history was rewritten");
    expect(after.agentCount).toBe(1);
    const denied = s.audit.query({ action: "registry.history_rewritten" })[0]!;
    expect(denied.outcome).toBe("denied");
    expect(denied.details).toMatchObject({ previous_commit: first.commit, new_commit: rewritten, forced: false });

    const forced = await s.registries.sync("fx", { actor: "cli", force: true });
    expect(forced.forced).toBe(true);
    expect(forced.commit).toBe(rewritten);
    expect(forced.added).toEqual(["com.example.other"]);
    const ok = s.audit.query({ action: "registry.history_rewritten" })[0]!;
    expect(ok.outcome).toBe("ok");
    expect(ok.details.forced).toBe(true);
    // A normal fast-forward afterwards needs no force.
    updateRegistry(reg, { "com.example.other.json": null });
    expect((await s.registries.sync("fx", { actor: "cli" })).removed).toEqual(["com.example.other"]);
    s.close();
  });

  test("registries from config.json are added once; invalid ones are reported", async () => {
    const reg = registryRepo(root, { "com.example.good.json": registryEntry(good) });
    const h = testHome({}, { registries: [{ name: "cfg", git_url: reg.url }, { name: "evil", git_url: "ext::sh -c touch% /tmp/p" }] });
    const s = servicesFor(h);
    const first = s.registries.ensureConfigured(s.config.registries);
    expect(first.added).toEqual(["cfg"]);
    expect(first.problems.map((p) => p.name)).toEqual(["evil"]);
    expect(s.registries.ensureConfigured(s.config.registries).added).toEqual([]);
    expect(s.registries.get("cfg").ref).toBe("main");
    expect((await s.registries.syncAll({ actor: "system" }))[0]!.result?.added).toEqual(["com.example.good"]);
    const removed = s.registries.remove("cfg", { actor: "cli" });
    expect(removed.removedListings).toBe(1);
    expect(existsSync(join(s.config.paths.registriesDir, "cfg"))).toBe(false);
    expect(s.search.search({ source: "remote" }).total).toBe(0);
    s.close();
  });
});

describe("hostile git input", () => {
  const root = tempDir();
  const marker = join(root, "pwned");
  const urls = [
    `--upload-pack=touch ${marker}`,
    `-c core.sshCommand=touch ${marker}`,
    `ssh://-oProxyCommand=touch%20${marker}/x`,
    `ssh://-oProxyCommand=touch ${marker}/x`,
    `ext::sh -c touch% ${marker}`,
    `fd::17`,
  ];
  const refs = ["-f", "--upload-pack=x", "a..b", "main@{1}", "ma\u0007in", "a b", "x.lock", "a:b"];

  test("registry add refuses every hostile URL and ref, and no marker appears", async () => {
    const s = servicesFor(testHome());
    for (const u of urls) expect(await codeOf(() => s.registries.add({ name: "x", gitUrl: u }, { actor: "cli" }))).toBe("invalid_argument");
    const good = registryRepo(root, {});
    for (const r of refs) expect(await codeOf(() => s.registries.add({ name: "x", gitUrl: good.url, ref: r }, { actor: "cli" }))).toBe("invalid_argument");
    expect(s.registries.list()).toEqual([]);
    expect(s.audit.query({ action: "registry.add" }).every((e) => e.outcome === "error")).toBe(true);
    expect(await codeOf(() => s.registries.add({ name: "../evil", gitUrl: good.url }, { actor: "cli" }))).toBe("invalid_argument");
    s.close();
    expect(existsSync(marker)).toBe(false);
  });

  test("the git module validates too, and git itself refuses with the hardened config", async () => {
    const home = tempDir();
    const g = new Git({ home, timeoutMs: 10_000 });
    const good = registryRepo(root, {});
    for (const u of urls) expect(await codeOf(g.cloneInto({ dir: join(home, "c1"), bare: true }, u, "main"))).toBe("invalid_argument");
    for (const r of refs) expect(await codeOf(g.cloneInto({ dir: join(home, "c2"), bare: true }, good.url, r))).toBe("invalid_argument");
    expect(readdirSync(home)).toEqual([]);
    // Second layer, bypassing our validation: the transport allowlist and --end-of-options.
    const env = hardenedEnv({ home });
    const ext = await runBounded(["git", ...gitConfigArgs(), "clone", "--end-of-options", `ext::sh -c touch% ${marker}`, join(home, "d1")], { cwd: home, env, timeoutMs: 10_000 });
    expect(ext.exitCode).not.toBe(0);
    expect(ext.stderr).toMatch(/not allowed|unsupported/i);
    const opt = await runBounded(["git", ...gitConfigArgs(), "clone", "--end-of-options", `--upload-pack=touch ${marker}`, join(home, "d2")], { cwd: home, env, timeoutMs: 10_000 });
    expect(opt.exitCode).not.toBe(0);
    const ssh = await runBounded(["git", ...gitConfigArgs(), "ls-remote", "--end-of-options", `ssh://-oProxyCommand=touch%20${marker}/x`], { cwd: home, env, timeoutMs: 10_000 });
    expect(ssh.exitCode).not.toBe(0);
    // Even without our config, GIT_ALLOW_PROTOCOL in the environment alone blocks ext::.
    const envOnly = await runBounded(["git", "clone", `ext::sh -c touch% ${marker}`, join(home, "d3")], { cwd: home, env, timeoutMs: 10_000 });
    expect(envOnly.exitCode).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  test("a remote that never answers is killed at the git deadline and the partial clone removed", async () => {
    const held: Array<{ end(): void }> = [];
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: (sock) => void held.push(sock), data() {} } });
    try {
      const h = testHome({ git_timeout_ms: 1500 });
      const s = servicesFor(h);
      const url = `https://127.0.0.1:${server.port}/stuck.git`;
      s.registries.add({ name: "stuck", gitUrl: url }, { actor: "cli" });
      const t0 = performance.now();
      expect(await codeOf(s.registries.sync("stuck", { actor: "cli" }))).toBe("timeout");
      const took = performance.now() - t0;
      expect(took).toBeGreaterThan(1400);
      expect(took).toBeLessThan(8000);
      expect(readdirSync(s.config.paths.registriesDir)).toEqual([]);
      expect(s.registries.get("stuck").lastSyncStatus).toBe("failed");
      expect(processesMatching(`127.0.0.1:${server.port}`)).toEqual([]);
      s.close();
    } finally {
      for (const c of held) c.end();
      server.stop(true);
    }
  });
});
