/**
 * Issue 17, finding 3: a tool the agent registers but the core refuses (here:
 * its permission is not in the agent's manifest) no longer vanishes silently.
 * A real Elixir agent (examples/echo with `env:read:ECHO_EXAMPLE_SECRET`
 * dropped from its manifest, so `read_secret` is refused), installed from a
 * file:// registry and run by the compiled daemon: `agents run`, `agents info`,
 * `tools list`, `tools call`, the API and the agent page all name the reason.
 * Also finding 6: `agents list --status running|stopped|crashed` by the daemon's
 * runtime state, and without a daemon (nothing runs, and the CLI says so).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemp, commitAll, fileUrl, git, REPO_ROOT, registryRepo, runBin, tempDir, testHome } from "../helpers/git-fixtures.ts";
import { loginOverHttp, type RunningDaemon, startWebDaemon } from "../helpers/web-daemon.ts";

const ID = "com.example.rejecting";
const REASON = "permission 'env:read:ECHO_EXAMPLE_SECRET' is not requested by the agent's manifest";
let env: Record<string, string>;
let daemon: RunningDaemon;

beforeAll(async () => {
  const root = tempDir();
  const h = testHome();
  env = { ...h.env, OPENSENTIENCE_SDK_PATH: join(REPO_ROOT, "sdk/elixir") };
  const dir = join(root, "rejecting-agent");
  cpSync(join(REPO_ROOT, "examples/echo"), dir, { recursive: true, filter: (s) => !/\/(_build|deps)(\/|$)/.test(s) });
  const manifest = JSON.parse(readFileSync(join(dir, "opensentience.agent.json"), "utf8"));
  Object.assign(manifest, { id: ID, permissions: [] });
  writeFileSync(join(dir, "opensentience.agent.json"), JSON.stringify(manifest, null, 2));
  git(dir, "init", "-q");
  commitAll(dir, "echo without the permission read_secret declares");
  const reg = registryRepo(root, { [`${ID}.json`]: { id: ID, git_url: fileUrl(dir), default_ref: "main", manifest_path: "opensentience.agent.json", manifest } });
  for (const args of [["registry", "add", "fx", reg.url], ["registry", "sync", "fx"], ["agents", "install", ID, "--yes"], ["agents", "enable", ID]]) {
    const r = await runBin(args, env);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  }
  daemon = await startWebDaemon({ home: { dir: root, home: h.home, roots: h.scanRoot, env, cleanup: () => {} } });
}, 300_000);

afterAll(async () => {
  await daemon?.stop();
  cleanupTemp();
});

describe("rejected tools, with their reason", () => {
  test("agents run and agents info say which tool was refused and why", async () => {
    const run = await runBin(["agents", "run", ID], env);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(new RegExp(`^tools +5 \\(1 rejected: read_secret — ${REASON.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)$`, "m"));
    const info = await runBin(["agents", "info", ID, "--json"], env);
    expect(info.json.runtime.tools).toBe(5);
    expect(info.json.runtime.rejectedTools).toEqual([{ name: "read_secret", reason: REASON }]);
    expect((await runBin(["agents", "info", ID], env)).stdout).toContain(`(1 rejected: read_secret — ${REASON})`);
  }, 120_000);

  test("tools list shows a rejected row with the reason", async () => {
    const list = await runBin(["tools", "list", "--agent", ID], env);
    expect(list.code).toBe(0);
    const row = list.stdout.split("\n").find((l) => l.startsWith(`${ID}/read_secret `));
    expect(row).toMatch(/ rejected \(not callable\) +permission 'env:read:ECHO_EXAMPLE_SECRET' is not requested by the agent's manifest$/);
    const json = await runBin(["tools", "list", "--agent", ID, "--json"], env);
    expect(json.json.rejected).toEqual([{ agentId: ID, name: "read_secret", reason: REASON }]);
    expect(json.json.tools.map((t: { name: string }) => t.name)).not.toContain("read_secret");
  });

  test("calling it names the reason: the CLI before sending, the router for any other caller", async () => {
    const cli = await runBin(["tools", "call", `${ID}/read_secret`, "--args", "{}"], env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(`opensentience: tool ${ID}/read_secret was rejected when ${ID} registered it: ${REASON}\n`);
    const res = await daemon.api("/api/v1/tools/call", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tool: `${ID}/read_secret`, arguments: {} }) });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: "unknown_tool", message: `tool ${ID}/read_secret was rejected when ${ID} registered it: ${REASON}` });
    expect(res.status).toBe(404);
  });

  test("the agent page has a Rejected tools card", async () => {
    const s = await loginOverHttp(daemon);
    const html = await (await fetch(`${daemon.url}/agents/${ID}`, { headers: { cookie: s.cookie } })).text();
    const card = html.slice(html.indexOf('data-testid="rejected-tools"'));
    expect(card).toContain("Rejected tools");
    expect(card).toContain("<code>read_secret</code>");
    expect(card).toContain("permission &#x27;env:read:ECHO_EXAMPLE_SECRET&#x27; is not requested by the agent&#x27;s manifest");
  });

  test("agents list --status running lists it while it runs (finding 6)", async () => {
    const running = await runBin(["agents", "list", "--status", "running", "--json"], env);
    expect(running.stderr).toBe("");
    expect(running.json.agents.map((a: { id: string }) => a.id)).toEqual([ID]);
    expect((await runBin(["agents", "list", "--status", "stopped", "--json"], env)).json.agents).toEqual([]);
    expect((await runBin(["agents", "list", "--status", "crashed", "--json"], env)).json.agents).toEqual([]);
    const help = await runBin(["agents", "list", "--help"], env);
    expect(help.stdout).toContain("running, stopped, crashed");
    const bad = await runBin(["agents", "list", "--status", "runing"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("running, stopped, crashed");
    // The web agents page filters the same way (its Status select offers the runtime states).
    const s = await loginOverHttp(daemon);
    const page = async (status: string) => (await fetch(`${daemon.url}/agents?status=${status}`, { headers: { cookie: s.cookie } })).text();
    const html = await page("running");
    expect(html).toContain('<option value="running" selected>Running</option>');
    expect(html).toContain(`/agents/${ID}`);
    expect(await page("crashed")).not.toContain(`/agents/${ID}`);
  });

  test("the run's rejections go with it", async () => {
    expect((await runBin(["agents", "stop", ID], env)).code).toBe(0);
    const info = await runBin(["agents", "info", ID, "--json"], env);
    expect(info.json.runtime.rejectedTools).toEqual([]);
    expect((await runBin(["tools", "list", "--json"], env)).json.rejected).toEqual([]);
  });

  test("after stop it is stopped; without a daemon nothing is running, and the CLI says so", async () => {
    expect((await runBin(["agents", "list", "--status", "stopped", "--json"], env)).json.agents.map((a: { id: string }) => a.id)).toEqual([ID]);
    expect((await runBin(["agents", "list", "--status", "running", "--json"], env)).json.total).toBe(0);
    await daemon.stop();
    const none = await runBin(["agents", "list", "--status", "running"], env);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe("No agents found.");
    expect(none.stderr).toBe("note: no daemon is running, so no agent is running (start one with: opensentience serve)\n");
    const stopped = await runBin(["agents", "list", "--status", "stopped", "--json"], env);
    expect(stopped.json.agents.map((a: { id: string }) => a.id)).toEqual([ID]);
    expect(stopped.stderr).toContain("every installed agent is stopped");
  });
});
