/**
 * A newcomer's path: README's set-up command (install.sh) into a fresh prefix
 * and HOME, then the installed binary alone (no checkout paths: the SDK and the
 * example agents come from inside it) → first-run example registry → install →
 * enable → run → a tool call answered by a real Elixir agent. Offline.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "../..");
const ECHO = "com.opensentience.examples.echo";
let root: string;
let env: Record<string, string>;
let bin: string;
let daemon: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;

async function cli(args: string[], timeoutMs = 120_000) {
  const p = Bun.spawn([bin, ...args], { cwd: root, env, stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`opensentience ${args.join(" ")} exited ${code}: ${stderr}`);
  return stdout;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "os-fresh-"));
  const home = join(root, "home");
  mkdirSync(home);
  env = {
    // Only system directories and where bun lives: nothing from the developer's setup.
    PATH: `${join(root, "prefix/bin")}:${process.env.PATH}`,
    HOME: home,
    LANG: "C.UTF-8",
    PREFIX: join(root, "prefix"),
  };
  const install = Bun.spawn(["bash", join(REPO, "install.sh")], { cwd: root, env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(install.stdout).text(), new Response(install.stderr).text(), install.exited]);
  if (code !== 0) throw new Error(`install.sh failed (${code}): ${out}\n${err}`);
  expect(out).toContain(`installed ${join(root, "prefix/bin/opensentience")}`);
  expect(out).toContain("Next: opensentience serve");
  bin = join(root, "prefix/bin/opensentience");
}, 300_000);

afterAll(async () => {
  daemon?.kill("SIGTERM");
  await daemon?.exited;
  rmSync(root, { recursive: true, force: true });
});

test("fresh install: example registry → install → enable → run → tool call", async () => {
  daemon = Bun.spawn([bin, "serve", "--port", "0"], { cwd: root, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  // The daemon prints `ready` on stderr once daemon.json is written.
  const reader = daemon.stderr.getReader();
  let log = "";
  while (!log.includes("] ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${log}`);
    log += new TextDecoder().decode(value);
  }
  void (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  expect(log).toContain("first run: example agents published in the local registry 'examples'");
  const registries = JSON.parse(await cli(["registry", "list", "--json"]));
  expect(JSON.stringify(registries)).toContain("examples");
  const found = JSON.parse(await cli(["agents", "search", "echo", "--source", "remote", "--json"]));
  expect(found.agents.map((a: { id: string }) => a.id)).toContain(ECHO);
  await cli(["agents", "install", ECHO, "--yes"], 300_000);
  await cli(["agents", "enable", ECHO, "--approve-all"]);
  const st = JSON.parse(await cli(["agents", "run", ECHO, "--json"]));
  expect(st.state).toBe("running");
  const r = JSON.parse(await cli(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"first run"}', "--json"]));
  expect(r.output).toEqual({ text: "first run" });
}, 400_000);

/** Runs the installed binary with `extra` over the newcomer's environment; never throws. */
async function attempt(args: string[], extra: Record<string, string>) {
  const p = Bun.spawn([bin, ...args], { cwd: root, env: { ...env, ...extra }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("CLI first, no serve (issue 17 finding 8): the first command seeds the examples registry; install without mix fails before the plan and records nothing", async () => {
  const home = join(root, "cli-first-home");
  mkdirSync(home);
  const first = await attempt(["agents", "list", "--json"], { HOME: home });
  expect(first.code).toBe(0);
  expect(first.stderr).toContain("first run: example agents published in the local registry 'examples'");
  expect(JSON.parse(first.stdout).agents.map((a: { id: string }) => a.id)).toContain(ECHO);
  const registries = await attempt(["registry", "list", "--json"], { HOME: home });
  expect(registries.stderr).toBe(""); // seeded once only
  expect(JSON.stringify(JSON.parse(registries.stdout))).toContain("examples");

  // A PATH without mix or elixir: one line saying how to get them, before any plan or question.
  const noMix = join(root, "no-mix-bin");
  mkdirSync(noMix);
  const line = `opensentience: cannot install ${ECHO}: mix and elixir are not on PATH (agents are built with mix); install Elixir 1.14+ (Debian/Ubuntu: apt-get install -y elixir; macOS: brew install elixir; others: https://elixir-lang.org/install.html), then check with: opensentience doctor\n`;
  for (const args of [["agents", "install", ECHO], ["agents", "install", ECHO, "--yes"]]) {
    const r = await attempt(args, { HOME: home, PATH: noMix });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(line);
    expect(r.stdout).toBe("");
  }
  const info = JSON.parse((await attempt(["agents", "info", ECHO, "--json"], { HOME: home })).stdout);
  expect(info.install).toBeNull();
  const audit = JSON.parse((await attempt(["audit", "--action", "agent.install", "--json"], { HOME: home })).stdout);
  expect(audit.events).toEqual([]);
  expect(existsSync(join(home, ".opensentience/agents", ECHO))).toBe(false);
}, 120_000);
