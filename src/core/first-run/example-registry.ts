/**
 * First run: turns the example agents embedded in the binary into local git
 * repositories plus a local registry (`examples`) and syncs it, so a fresh
 * install shows installable agents and the whole discover → install → enable
 * → run → chat path works with no network. Runs once per data directory
 * (a marker file records it); removing the registry afterwards is respected.
 * The daemon does it at start, and so does the first CLI command without a
 * daemon (seedFirstRun, under the daemon lock), so a CLI-first user sees the
 * same catalog as one who ran `serve` first.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdkPath } from "../agent-env.ts";
import { EMBEDDED_EXAMPLES, materializeExamples } from "../bundled/bundled.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { EXAMPLES_MARKER } from "./pending.ts";

export const EXAMPLES_REGISTRY = "examples";
const MARKER = EXAMPLES_MARKER;

/** Environment for the few local git commands that build the example repos (no user/system config). */
function gitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "OpenSentience",
    GIT_AUTHOR_EMAIL: "examples@opensentience.invalid",
    GIT_COMMITTER_NAME: "OpenSentience",
    GIT_COMMITTER_EMAIL: "examples@opensentience.invalid",
  };
}

function git(cwd: string, env: Record<string, string>, ...args: string[]): void {
  const r = Bun.spawnSync(["git", "-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null", ...args], { cwd, env, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new AppError("git_failed", `git ${args[0]} in ${cwd}: ${r.stderr.toString().trim().split("\n").pop()}`);
}

function commitTree(dir: string, env: Record<string, string>, message: string): void {
  if (!existsSync(join(dir, ".git"))) git(dir, env, "init", "-q");
  git(dir, env, "add", "-A");
  git(dir, env, "commit", "-q", "--allow-empty", "-m", message);
}

export interface ExampleRegistryResult {
  created: boolean;
  agents: string[];
  reason?: string;
}

/** Creates and syncs the examples registry on a fresh data directory; a no-op afterwards. */
export async function ensureExampleRegistry(s: Services): Promise<ExampleRegistryResult> {
  const root = join(s.config.paths.home, "examples");
  const marker = join(s.config.paths.home, MARKER);
  if (existsSync(marker)) return { created: false, agents: [], reason: "already created once" };
  if (Object.keys(EMBEDDED_EXAMPLES.files).length === 0) return { created: false, agents: [], reason: "this build carries no examples" };
  if (s.registries.list().length > 0) {
    writeFileSync(marker, "skipped: registries already configured\n", { mode: 0o600 });
    return { created: false, agents: [], reason: "registries already configured" };
  }
  const env = gitEnv(s.config.paths.home);
  const srcDir = join(root, "agents");
  mkdirSync(srcDir, { recursive: true, mode: 0o700 });
  materializeExamples(srcDir, EMBEDDED_EXAMPLES, { sdkPath: sdkPath(s.config.paths) });

  const entries: Record<string, string> = {};
  const ids: string[] = [];
  for (const name of Object.keys(EMBEDDED_EXAMPLES.files).map((p) => p.split("/")[0]!).filter((v, i, a) => a.indexOf(v) === i)) {
    const dir = join(srcDir, name);
    const manifestFile = join(dir, "opensentience.agent.json");
    if (!existsSync(manifestFile)) continue;
    commitTree(dir, env, `${name} example agent`);
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { id: string };
    ids.push(manifest.id);
    entries[`agents/${manifest.id}.json`] = JSON.stringify(
      {
        id: manifest.id,
        git_url: `file://${dir}`,
        default_ref: "main",
        manifest_path: "opensentience.agent.json",
        manifest,
        publisher: { name: "OpenSentience" },
        verification: { level: "bundled", issuer: "opensentience binary" },
        keywords: ["example"],
      },
      null,
      2,
    );
  }
  const regDir = join(root, "registry");
  mkdirSync(join(regDir, "agents"), { recursive: true, mode: 0o700 });
  writeFileSync(join(regDir, "registry.json"), JSON.stringify({ registry_version: 1, name: "OpenSentience examples", description: "Example agents shipped inside the opensentience binary" }, null, 2));
  for (const [rel, text] of Object.entries(entries)) writeFileSync(join(regDir, rel), text);
  commitTree(regDir, env, "examples registry");

  s.registries.add({ name: EXAMPLES_REGISTRY, gitUrl: `file://${regDir}`, ref: "main" }, { actor: "system" });
  writeFileSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  await s.registries.sync(EXAMPLES_REGISTRY, { actor: "system" });
  return { created: true, agents: ids.sort() };
}

export interface FirstRunReport {
  /** Registries from config.json added now, and the ones that could not be. */
  configured: { added: string[]; problems: Array<{ name: string; message: string }> };
  examples: ExampleRegistryResult | null;
  /** Why the examples registry could not be created (the data directory is still usable). */
  examplesError: string | null;
}

/**
 * A data directory's first-use setup, the same for the daemon at start and for
 * the CLI without one (the caller holds the daemon lock): the registries named
 * in config.json, then (when enabled) the examples registry, which is skipped
 * when any registry is configured. Never throws for the examples registry.
 */
export async function seedFirstRun(s: Services): Promise<FirstRunReport> {
  const configured = s.registries.ensureConfigured(s.config.registries);
  if (!s.config.examplesRegistry) return { configured, examples: null, examplesError: null };
  try {
    return { configured, examples: await ensureExampleRegistry(s), examplesError: null };
  } catch (e) {
    return { configured, examples: null, examplesError: (e as Error).message };
  }
}
