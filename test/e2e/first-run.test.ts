/**
 * A newcomer's path: README's set-up command (install.sh) into a fresh prefix
 * and HOME, then the installed binary alone (no checkout paths: the SDK and the
 * example agents come from inside it) → first-run example registry → install →
 * enable → run → a tool call answered by a real Elixir agent. Offline.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
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
