/**
 * Local agent sources need the operator's opt-in (issue 12.3), and registry
 * URLs never carry credentials into the catalog (12.4) — with real git
 * repositories, real syncs and installs, in-process and through the compiled
 * CLI.
 *
 * A "remote" registry here is one whose URL is https://registry.test/…: before
 * the first sync the test creates the registry's bare clone dir
 * (`registries/<name>`) with `url.<file URL>.insteadOf` in its git config, so
 * our hardened git really fetches, over the file transport, a registry whose
 * configured URL is not local. Nothing else is faked.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAppError } from "../../src/core/errors.ts";
import type { Services } from "../../src/core/services.ts";
import { type AgentRepo, agentRepo, cleanupTemp, git, registryEntry, registryRepo, type RegistryRepo, runBin, servicesFor, type TestHome, tempDir, testHome } from "../helpers/git-fixtures.ts";

afterAll(cleanupTemp);

const REMOTE_URL = "https://registry.test/team.git";
const SLOW = 120_000;

async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    return { code: "non-app", message: String(e) };
  }
  return { code: "no error", message: "" };
}

/** Makes `registries/<name>` a bare repo that fetches `reg` when asked for REMOTE_URL (see the file comment). */
function pointRemoteAt(h: TestHome, name: string, reg: RegistryRepo): void {
  const dir = join(h.home, "registries", name);
  mkdirSync(join(h.home, "registries"), { recursive: true, mode: 0o700 });
  git(join(h.home, "registries"), "init", "-q", "--bare", dir);
  git(dir, "config", `url.${reg.url}.insteadOf`, REMOTE_URL);
}

const root = tempDir("os-local-src-");
/** One agent reachable only as a local path, one "published" at an https URL (never fetched here). */
const local: AgentRepo = agentRepo(root, { id: "com.example.local_src" });
const published: AgentRepo = agentRepo(root, { id: "com.example.published" });
const reg = registryRepo(root, {
  "com.example.local_src.json": registryEntry(local),
  "com.example.published.json": registryEntry(published, { git_url: "https://git.example.com/published.git" }),
});

/** Services on a home whose registry `team` is the "remote" one; config extras as given. */
async function remoteTeam(configExtra: Record<string, unknown> = {}): Promise<{ h: TestHome; s: Services }> {
  const h = testHome({}, configExtra);
  pointRemoteAt(h, "team", reg);
  const s = servicesFor(h);
  s.registries.add({ name: "team", gitUrl: REMOTE_URL }, { actor: "cli" });
  return { h, s };
}

describe("sync: a remote registry's file:// entry", () => {
  test("is refused as that entry's error by default; the rest of the registry syncs", async () => {
    const { s } = await remoteTeam();
    const r = await s.registries.sync("team", { actor: "cli" });
    expect(r.status).toBe("partial");
    expect(r.added).toEqual(["com.example.published"]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.file).toBe("agents/com.example.local_src.json");
    expect(r.errors[0]!.message).toContain("registry 'team' is not local");
    expect(r.errors[0]!.message).toContain("allow_local_sources: true");
    expect(s.registries.get("team").entryErrors).toEqual(r.errors);
    expect((await failure(() => s.installer.planInstall("com.example.local_src"))).code).toBe("not_found");
    s.close();
  });

  test("is listed and installable with allow_local_sources: true", async () => {
    const { s } = await remoteTeam({ allow_local_sources: true });
    const r = await s.registries.sync("team", { actor: "cli" });
    expect(r).toMatchObject({ status: "ok", errors: [] });
    expect(r.added.sort()).toEqual(["com.example.local_src", "com.example.published"]);
    // Past the policy: fetched from the local path, then stopped at the build confirmation.
    const seen: { commit: string | null } = { commit: null };
    const f = await failure(s.installer.install("com.example.local_src", { actor: "cli", confirm: (plan) => ((seen.commit = plan.commit), false) }));
    expect(f.code).toBe("confirmation_required");
    expect(seen.commit).toBe(local.sha);
    s.close();
  });

  test("a local (file://) registry may list local sources without the option", async () => {
    const h = testHome();
    const s = servicesFor(h);
    s.registries.add({ name: "mine", gitUrl: reg.url }, { actor: "cli" });
    const r = await s.registries.sync("mine", { actor: "cli" });
    expect(r).toMatchObject({ status: "ok", errors: [] });
    expect(r.added.sort()).toEqual(["com.example.local_src", "com.example.published"]);
    s.close();
  });
});

describe("install and update: listings synced while the option was on", () => {
  test("install is refused once the option is off, naming it, and nothing is fetched", async () => {
    const { h, s } = await remoteTeam({ allow_local_sources: true });
    await s.registries.sync("team", { actor: "cli" });
    s.close();
    writeFileSync(join(h.home, "config.json"), JSON.stringify({ limits: { git_timeout_ms: 30_000 } }));
    const s2 = servicesFor(h);
    for (const attempt of [() => s2.installer.planInstall("com.example.local_src"), () => s2.installer.install("com.example.local_src", { actor: "cli", confirm: true })]) {
      const f = await failure(attempt);
      expect(f.code).toBe("forbidden");
      expect(f.message).toContain("allow_local_sources: true");
    }
    expect(existsSync(join(h.home, "agents", "com.example.local_src"))).toBe(false);
    s2.close();
  });

  test(
    "an installed agent's update is refused once the option is off",
    async () => {
      const { h, s } = await remoteTeam({ allow_local_sources: true });
      await s.registries.sync("team", { actor: "cli" });
      const r = await s.installer.install("com.example.local_src", { actor: "cli", confirm: true });
      expect(r.commit).toBe(local.sha);
      s.close();
      writeFileSync(join(h.home, "config.json"), JSON.stringify({ limits: { git_timeout_ms: 30_000 } }));
      const s2 = servicesFor(h);
      const f = await failure(s2.updater.update("com.example.local_src", { actor: "cli", confirm: true }));
      expect(f.code).toBe("forbidden");
      expect(f.message).toContain("allow_local_sources: true");
      expect(s2.catalog.installFor("com.example.local_src")!.commitSha).toBe(local.sha);
      s2.close();
    },
    SLOW,
  );
});

describe("the compiled CLI", () => {
  test("registry sync reports the refused entry; install names the option; --local installs are unaffected by it", async () => {
    const h = testHome();
    pointRemoteAt(h, "team", reg);
    const add = await runBin(["registry", "add", "team", REMOTE_URL], h.env);
    expect(add.code).toBe(0);
    const sync = await runBin(["registry", "sync", "team", "--json"], h.env);
    expect(sync.code).toBe(0);
    expect(JSON.stringify(sync.json)).toContain("allow_local_sources: true");
    const install = await runBin(["agents", "install", "com.example.local_src", "--yes"], h.env);
    expect(install.code).not.toBe(0);
    expect(install.stderr).toContain("com.example.local_src");

    // With the option the listing appears, and install gets past the policy (to the confirmation).
    writeFileSync(join(h.home, "config.json"), JSON.stringify({ allow_local_sources: true, limits: { git_timeout_ms: 30_000 } }));
    expect((await runBin(["registry", "sync", "team"], h.env)).code).toBe(0);
    const unconfirmed = await runBin(["agents", "install", "com.example.local_src"], h.env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).not.toContain("allow_local_sources");

    // Back off: the listing synced while it was on is refused at install, naming the option.
    writeFileSync(join(h.home, "config.json"), JSON.stringify({ limits: { git_timeout_ms: 30_000 } }));
    const refused = await runBin(["agents", "install", "com.example.local_src", "--registry", "team", "--yes"], h.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("allow_local_sources: true");

    // The same repository as a local checkout: `--local` never asks the policy (it stops at the confirmation).
    expect((await runBin(["discover", local.dir], h.env)).code).toBe(0);
    const asLocal = await runBin(["agents", "install", "com.example.local_src", "--local"], h.env);
    expect(asLocal.code).toBe(2);
    expect(asLocal.stderr).toContain("re-run with --yes to confirm");
  }, SLOW);
});

describe("credentials never reach the catalog", () => {
  const SECRET = "s3cret-t0ken-value";

  test("a registry entry whose git_url embeds credentials is refused at sync; the secret is stored nowhere", async () => {
    const withCreds = agentRepo(root, { id: "com.example.creds" });
    const creds = registryRepo(root, {
      "com.example.creds.json": registryEntry(withCreds, { git_url: `https://deploy:${SECRET}@git.example.com/creds.git` }),
      "com.example.token.json": registryEntry(agentRepo(root, { id: "com.example.token" }), { git_url: `https://${SECRET}@git.example.com/token.git` }),
      "com.example.local_src.json": registryEntry(local),
    });
    const h = testHome();
    const s = servicesFor(h);
    s.registries.add({ name: "creds", gitUrl: creds.url }, { actor: "cli" });
    const r = await s.registries.sync("creds", { actor: "cli" });
    expect(r.added).toEqual(["com.example.local_src"]);
    expect(r.errors.map((e) => e.file).sort()).toEqual(["agents/com.example.creds.json", "agents/com.example.token.json"]);
    for (const e of r.errors) expect(e.message).toContain("must not embed credentials");
    s.close();
    expect(storedText(h)).not.toContain(SECRET);
  });

  test("registry add with credentials is refused; the audit record masks them", async () => {
    const h = testHome();
    const s = servicesFor(h);
    for (const url of [`https://user:${SECRET}@git.example.com/r.git`, `https://${SECRET}@git.example.com/r.git`, `ssh://git:${SECRET}@git.example.com/r.git`, `git:${SECRET}@git.example.com:r.git`]) {
      const f = await failure(() => s.registries.add({ name: "r", gitUrl: url }, { actor: "cli" }));
      expect(f.code).toBe("invalid_argument");
      expect(f.message).toContain("must not embed credentials");
      expect(f.message).not.toContain(SECRET);
    }
    expect(s.audit.query({ action: "registry.add" }).map((e) => e.outcome)).toEqual(["error", "error", "error", "error"]);
    expect(s.registries.list()).toEqual([]);
    s.close();
    expect(storedText(h)).not.toContain(SECRET);
  });

  test("a config.json registry with credentials is skipped with its problem (the others are added); the secret is stored nowhere", async () => {
    const h = testHome({}, { registries: [{ name: "team", git_url: `https://bot:${SECRET}@git.example.com/r.git` }, { name: "ok", git_url: reg.url }] });
    const s = servicesFor(h);
    const r = s.registries.ensureConfigured(s.config.registries);
    expect(r.added).toEqual(["ok"]);
    expect(r.problems.map((p) => p.name)).toEqual(["team"]);
    expect(r.problems[0]!.message).toContain("must not embed credentials");
    expect(r.problems[0]!.message).not.toContain(SECRET);
    s.close();
    expect(storedText(h)).not.toContain(SECRET);
  });
});

/** Every byte SQLite keeps for this home (database and WAL), as text. */
function storedText(h: TestHome): string {
  return readdirSync(h.home)
    .filter((f) => f.startsWith("catalog.db"))
    .map((f) => readFileSync(join(h.home, f)).toString("latin1"))
    .join("\n");
}
