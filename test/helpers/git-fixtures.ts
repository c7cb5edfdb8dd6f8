/**
 * Real git repositories on file:// remotes for registry and install tests:
 * agent repos built from test/fixtures/agents/*, registry repos with entries,
 * and an isolated environment (temp OPENSENTIENCE_HOME, empty scan roots,
 * MIX_HOME/HEX_HOME/XDG dirs in temp) for services or the compiled binary.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadConfig } from "../../src/core/config/load.ts";
import { createServices, type Services } from "../../src/core/services.ts";
import { binaryPath } from "./binary.ts";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
export const FIXTURE_AGENTS = join(REPO_ROOT, "test/fixtures/agents");

const made: string[] = [];

/** A fresh temp directory, removed by `cleanupTemp()`. */
export function tempDir(prefix = "os-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Environment for the test's own git commands: no user/system config, fixed identity. */
const GIT_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
  // Submodules from local paths need this since git 2.38.1 (only in the fixture builder).
  GIT_ALLOW_PROTOCOL: "file",
};

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always", ...args], { cwd, env: GIT_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

export const fileUrl = (dir: string) => `file://${dir}`;

/** Writes files (creating dirs); `null` deletes. */
export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    if (content === null) rmSync(p, { force: true, recursive: true });
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  }
}

/** Commits everything in `dir` and returns the new commit id. */
export function commitAll(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

export function initRepo(dir: string, files: Record<string, string | null> = {}, message = "initial"): string {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q");
  writeFiles(dir, files);
  return commitAll(dir, message);
}

export interface ManifestInput {
  id: string;
  version?: string;
  name?: string;
  permissions?: string[];
  description?: string;
  keywords?: string[];
}

export function manifest(m: ManifestInput): Record<string, unknown> {
  return {
    manifest_version: 1,
    id: m.id,
    name: m.name ?? `Agent ${m.id}`,
    version: m.version ?? "0.1.0",
    description: m.description ?? `Fixture agent ${m.id}`,
    entrypoint: { type: "mix", task: "opensentience.agent", args: [] },
    permissions: m.permissions ?? [],
    capabilities: ["tools"],
    keywords: m.keywords ?? ["fixture"],
    tool_summary: [{ name: "say_hello", description: "Say hello" }],
  };
}

export interface AgentRepo {
  dir: string;
  url: string;
  sha: string;
  manifest: Record<string, unknown>;
}

/**
 * An agent repository made from test/fixtures/agents/hello with the given
 * manifest fields; `files` overrides or adds files (e.g. a hostile mix.exs).
 */
export function agentRepo(root: string, m: ManifestInput, files: Record<string, string | null> = {}, fixture = "hello"): AgentRepo {
  const dir = join(root, `agent-${m.id}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(FIXTURE_AGENTS, fixture), dir, { recursive: true, filter: (src) => !/\/(_build|deps)(\/|$)/.test(src) });
  const man = manifest(m);
  writeFiles(dir, { "opensentience.agent.json": JSON.stringify(man, null, 2), ...files });
  git(dir, "init", "-q");
  const sha = commitAll(dir, `${m.id} ${man.version}`);
  return { dir, url: fileUrl(dir), sha, manifest: man };
}

/** Commits a new version of an agent repo (manifest fields and/or files). */
export function bumpAgent(repo: AgentRepo, m: Partial<ManifestInput>, files: Record<string, string | null> = {}): string {
  const man = { ...repo.manifest, ...(m.version ? { version: m.version } : {}), ...(m.permissions ? { permissions: m.permissions } : {}) };
  repo.manifest = man;
  writeFiles(repo.dir, { "opensentience.agent.json": JSON.stringify(man, null, 2), ...files });
  repo.sha = commitAll(repo.dir, `bump ${man.version}`);
  return repo.sha;
}

export function registryEntry(agent: AgentRepo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: agent.manifest.id,
    git_url: agent.url,
    default_ref: "main",
    manifest_path: "opensentience.agent.json",
    manifest: agent.manifest,
    publisher: { name: "Fixture Publisher", url: "https://example.com" },
    verification: { level: "verified", issuer: "fixture-ca", issued_at: "2026-01-01", evidence_url: "https://example.com/evidence" },
    trust_score: 0.8,
    deprecated: false,
    keywords: ["registry-keyword"],
    ...extra,
  };
}

export interface RegistryRepo {
  dir: string;
  url: string;
  sha: string;
}

/** A registry repo: registry.json plus `agents/<file>` for each entry (objects are JSON-encoded). */
export function registryRepo(root: string, entries: Record<string, unknown>, meta: Record<string, unknown> = {}): RegistryRepo {
  const dir = join(root, `registry-${Math.random().toString(36).slice(2, 8)}`);
  const files: Record<string, string> = {
    "registry.json": JSON.stringify({ registry_version: 1, name: "Fixture registry", description: "for tests", ...meta }),
  };
  for (const [file, e] of Object.entries(entries)) files[`agents/${file}`] = typeof e === "string" ? e : JSON.stringify(e, null, 2);
  const sha = initRepo(dir, files, "registry");
  return { dir, url: fileUrl(dir), sha };
}

/** Updates registry entries (`null` removes one) and commits. */
export function updateRegistry(reg: RegistryRepo, entries: Record<string, unknown | null>, message = "update registry"): string {
  const files: Record<string, string | null> = {};
  for (const [file, e] of Object.entries(entries)) files[`agents/${file}`] = e === null ? null : typeof e === "string" ? e : JSON.stringify(e, null, 2);
  writeFiles(reg.dir, files);
  reg.sha = commitAll(reg.dir, message);
  return reg.sha;
}

export interface TestHome {
  home: string;
  scanRoot: string;
  env: Record<string, string>;
}

/**
 * An isolated data directory and environment. `limits` go to config.json.
 * The environment carries no secrets and keeps tool caches out of the real HOME.
 */
export function testHome(limits: Record<string, number> = {}, configExtra: Record<string, unknown> = {}): TestHome {
  const root = tempDir("os-home-");
  const home = join(root, "data");
  const scanRoot = join(root, "scan");
  const fakeHome = join(root, "user-home");
  for (const d of [scanRoot, fakeHome, join(root, "xdg-config"), join(root, "xdg-cache"), join(root, "mix"), join(root, "hex")]) mkdirSync(d, { recursive: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ limits: { git_timeout_ms: 30_000, build_timeout_ms: 60_000, ...limits }, ...configExtra }));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: fakeHome,
    OPENSENTIENCE_HOME: home,
    // The first-run example registry is tested on its own (test/e2e/first-run.test.ts).
    OPENSENTIENCE_EXAMPLES: "0",
    OPENSENTIENCE_SCAN_ROOTS: scanRoot,
    MIX_HOME: join(root, "mix"),
    HEX_HOME: join(root, "hex"),
    XDG_CONFIG_HOME: join(root, "xdg-config"),
    XDG_CACHE_HOME: join(root, "xdg-cache"),
  };
  return { home, scanRoot, env };
}

export function servicesFor(h: TestHome): Services {
  return createServices(loadConfig({ env: h.env }));
}

/** Pids whose command line contains `needle` (for "no process left behind" checks). */
export function processesMatching(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(needle)) out.push(Number(e));
    } catch {
      // exited
    }
  }
  return out;
}

export const exists = existsSync;

/**
 * The compiled binary: the shared test helper builds it once per test process
 * when missing or stale (atomic rename), or uses $OPENSENTIENCE_BIN.
 */
export { binaryPath } from "./binary.ts";

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any;
}

/** Runs the compiled binary with exactly `env` (stdin closed unless `input`). */
export async function runBin(args: string[], env: Record<string, string>, input?: string): Promise<BinResult> {
  const p = Bun.spawn([await binaryPath(), ...args], { env, stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code: p.exitCode, stdout, stderr, json };
}

/** The bundled example agents (examples/<dir>) by id. */
export const EXAMPLE_DIRS: Record<string, string> = {
  "com.opensentience.examples.echo": "echo",
  "com.opensentience.examples.invoker": "invoker",
  "com.opensentience.examples.assistant": "assistant",
};

/**
 * Copies example agents into `root` as git repos (without build output) and
 * publishes them in a local registry repo there, the way a user's registry
 * would list them. Returns the registry (add it with `registry add NAME reg.url`).
 */
export function publishExamples(root: string, ids: string[]): RegistryRepo {
  const repoRoot = join(import.meta.dir, "../..");
  const entries: Record<string, unknown> = {};
  for (const id of ids) {
    const name = EXAMPLE_DIRS[id];
    if (!name) throw new Error(`no example agent ${id}`);
    const dir = join(root, `${name}-agent`);
    cpSync(join(repoRoot, "examples", name), dir, { recursive: true, filter: (s) => !/\/(_build|deps)(\/|$)/.test(s) });
    git(dir, "init", "-q");
    commitAll(dir, `${name} agent`);
    const m = JSON.parse(readFileSync(join(dir, "opensentience.agent.json"), "utf8"));
    entries[`${id}.json`] = { id, git_url: fileUrl(dir), default_ref: "main", manifest_path: "opensentience.agent.json", manifest: m };
  }
  return registryRepo(root, entries);
}
