/**
 * CLI-level checks through the compiled binary: a hostile git environment
 * (templates, global config, hooks, GIT_DIR…) is ignored by our git calls AND
 * by the git processes mix starts for git dependencies; and the y/N question
 * on a real terminal (via `script`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { waitFor } from "../helpers/binary.ts";
import { join } from "node:path";
import {
  agentRepo,
  binaryPath,
  cleanupTemp,
  initRepo,
  processesMatching,
  registryEntry,
  registryRepo,
  runBin,
  tempDir,
  testHome,
} from "../helpers/git-fixtures.ts";

beforeAll(async () => void (await binaryPath()));
afterAll(cleanupTemp);

describe("hostile git environment", () => {
  test("no hook, template, fsmonitor or leaked GIT_* variable takes effect during install (ours or mix's git)", async () => {
    const root = tempDir();
    const marker = join(root, "hook-ran");
    const hookScript = `#!/bin/sh\necho "$0" >> ${marker}\n`;
    const evilHooks = join(root, "evil-hooks");
    const tpl = join(root, "tpl");
    mkdirSync(join(tpl, "hooks"), { recursive: true });
    mkdirSync(evilHooks);
    for (const dir of [evilHooks, join(tpl, "hooks")]) {
      for (const h of ["post-checkout", "post-merge", "reference-transaction", "pre-auto-gc", "post-rewrite"]) {
        writeFileSync(join(dir, h), hookScript);
        chmodSync(join(dir, h), 0o755);
      }
    }
    const fsmonitor = join(root, "fsmonitor.sh");
    writeFileSync(fsmonitor, hookScript);
    chmodSync(fsmonitor, 0o755);
    const evilConfig = join(root, "evil.gitconfig");
    writeFileSync(evilConfig, `[core]\n\thooksPath = ${evilHooks}\n\tfsmonitor = ${fsmonitor}\n[init]\n\ttemplateDir = ${tpl}\n`);

    // A git dependency, so `mix deps.get` itself runs git clone/checkout.
    const dep = join(root, "dep_lib");
    initRepo(dep, {
      "mix.exs": 'defmodule DepLib.MixProject do\n  use Mix.Project\n  def project, do: [app: :dep_lib, version: "0.1.0", elixir: "~> 1.14", deps: []]\nend\n',
      "lib/dep_lib.ex": "defmodule DepLib do\n  def x, do: 1\nend\n",
    });
    const agent = agentRepo(root, { id: "com.example.withdep" }, {
      "mix.exs": `defmodule WithDep.MixProject do\n  use Mix.Project\n  def project, do: [app: :with_dep, version: "0.1.0", elixir: "~> 1.14", deps: [{:dep_lib, git: "file://${dep}", branch: "main"}]]\nend\n`,
    });
    const reg = registryRepo(root, { "com.example.withdep.json": registryEntry(agent) });

    const h = testHome();
    writeFileSync(join(h.env.HOME!, ".gitconfig"), `[include]\n\tpath = ${evilConfig}\n`);
    const env = {
      ...h.env,
      GIT_TEMPLATE_DIR: tpl,
      GIT_CONFIG_GLOBAL: evilConfig,
      GIT_CONFIG_SYSTEM: evilConfig,
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.hooksPath",
      GIT_CONFIG_VALUE_0: evilHooks,
      GIT_DIR: "/nonexistent/git-dir",
      GIT_WORK_TREE: "/nonexistent/work-tree",
      GIT_EXEC_PATH: "/nonexistent/exec-path",
      GIT_SSH_COMMAND: `touch ${marker}`,
      GIT_ALLOW_PROTOCOL: "ext:file:https:ssh",
    };
    expect((await runBin(["registry", "add", "fx", reg.url], env)).code).toBe(0);
    const sync = await runBin(["registry", "sync", "fx", "--json"], env);
    expect(sync.stderr).toBe("");
    expect(sync.json.added).toEqual(["com.example.withdep"]);
    const inst = await runBin(["agents", "install", "com.example.withdep", "--yes", "--json"], env);
    expect(inst.stderr).toBe("");
    expect(inst.code).toBe(0);
    const src = join(h.home, "agents/com.example.withdep/src");
    expect(existsSync(join(src, "deps/dep_lib/lib/dep_lib.ex"))).toBe(true);
    expect(existsSync(join(src, "_build/prod/lib/dep_lib/ebin/Elixir.DepLib.beam"))).toBe(true);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);
});

/** Runs the binary on a pseudo-terminal (util-linux `script`) and answers the first y/N question. */
async function onTerminal(args: string[], env: Record<string, string>, answer: string): Promise<{ code: number | null; output: string }> {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const p = Bun.spawn(["script", "-qec", [await binaryPath(), ...args].map(q).join(" "), "/dev/null"], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let output = "";
  let answered = false;
  const dec = new TextDecoder();
  const reader = p.stdout.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    output += dec.decode(value);
    if (!answered && output.includes("[y/N]")) {
      answered = true;
      p.stdin.write(`${answer}\n`);
      p.stdin.flush();
    }
  }
  await p.exited;
  return { code: p.exitCode, output };
}

describe("terminal confirmation", () => {
  test("install shows the plan and asks; 'n' refuses with exit 2, 'y' installs", async () => {
    const root = tempDir();
    const agent = agentRepo(root, { id: "com.example.tty", permissions: ["env:read:TTY_NAME"] });
    const reg = registryRepo(root, { "com.example.tty.json": registryEntry(agent) });
    const h = testHome();
    expect((await runBin(["registry", "add", "fx", reg.url], h.env)).code).toBe(0);
    expect((await runBin(["registry", "sync", "fx"], h.env)).code).toBe(0);

    const no = await onTerminal(["agents", "install", "com.example.tty"], h.env, "n");
    expect(no.code).toBe(2);
    expect(no.output).toContain("builds third-party code");
    expect(no.output).toContain("mix deps.get && mix compile");
    expect(no.output).toContain(join(h.home, "agents/com.example.tty/next"));
    expect(no.output).toContain(agent.sha);
    expect(no.output).toContain("env:read:TTY_NAME");
    expect(no.output).toContain("was not confirmed");
    expect((await runBin(["agents", "info", "com.example.tty", "--json"], h.env)).json.install).toBeNull();

    const yes = await onTerminal(["agents", "install", "com.example.tty"], h.env, "y");
    expect(yes.code).toBe(0);
    expect(yes.output).toContain("Installed com.example.tty from registry fx");
    expect((await runBin(["agents", "info", "com.example.tty", "--json"], h.env)).json.status).toBe("installed");
  }, 60_000);
});

describe("interrupting the CLI", () => {
  test("SIGINT during a build kills mix and its children; the next operation takes over the stale lock", async () => {
    const root = tempDir();
    const agent = agentRepo(root, { id: "com.example.slow" }, {
      "mix.exs": 'System.cmd("sleep", ["31338"])\ndefmodule Slow.MixProject do\n  use Mix.Project\n  def project, do: [app: :slow, version: "0.1.0", elixir: "~> 1.14", deps: []]\nend\n',
    });
    const reg = registryRepo(root, { "com.example.slow.json": registryEntry(agent) });
    const h = testHome();
    expect((await runBin(["registry", "add", "fx", reg.url], h.env)).code).toBe(0);
    expect((await runBin(["registry", "sync", "fx"], h.env)).code).toBe(0);
    const p = Bun.spawn([await binaryPath(), "agents", "install", "com.example.slow", "--yes"], { env: h.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    await waitFor(() => processesMatching("sleep 31338").length === 1, { timeoutMs: 20_000, what: "the build's sleep to start" });
    p.kill("SIGINT");
    const stderr = await new Response(p.stderr).text();
    await p.exited;
    expect(p.exitCode).toBe(1);
    expect(stderr).toContain("interrupted (SIGINT)");
    // Killed processes disappear once reaped; wait for that rather than for a fixed time.
    await waitFor(() => processesMatching("sleep 31338").length === 0, { what: "the build's processes to be gone" });
    expect(processesMatching(join(h.home, "agents/com.example.slow"))).toEqual([]);
    const info = await runBin(["agents", "info", "com.example.slow", "--json"], h.env);
    expect(info.json.install.state).toBe("installing");
    const un = await runBin(["agents", "uninstall", "com.example.slow", "--yes", "--json"], h.env);
    expect(un.code).toBe(0);
    expect(existsSync(join(h.home, "agents/com.example.slow"))).toBe(false);
  }, 60_000);
});
