/**
 * The sandbox policy, through the COMPILED binary with the real echo agent:
 *   - `required` (bwrap works here): `agents info` shows the exact view, the
 *     agent runs inside it, and every start is audited with the plan;
 *   - `off`: nothing is enforced, and the agent page says so where the user
 *     decides (permissions card, enable dialog) and `agents info` too;
 *   - `required` where bwrap cannot be found: the agent does not start, with
 *     a one-line reason; `auto` there starts it unsandboxed and says so.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";
import { loginOverHttp } from "../helpers/web-daemon.ts";

setDefaultTimeout(120_000);

const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "../..");
let box: Sandbox;
const run = (args: string[], env: Record<string, string> = {}) => runOk(args, { sandbox: box, timeoutMs: 240_000, env });

type View = { policy: string; sandboxed: boolean; reason: string | null; plan: null | { network: { mode: string }; spawn: boolean; mounts: Array<{ kind: string; target: string }> } };
const info = async (env: Record<string, string> = {}) => (await run(["agents", "info", ECHO, "--json"], env)).json<{ sandbox: View; runtime: { state: string; sandboxed: boolean | null } | null }>();

/** A PATH with every program of /usr/bin except bwrap: a machine without bubblewrap. */
function pathWithoutBwrap(): string {
  const dir = box.path("bin-no-bwrap");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync("/usr/bin")) if (f !== "bwrap") symlinkSync(join("/usr/bin", f), join(dir, f));
  return dir;
}

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-sbx-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], examples_registry: false, sandbox: "required" }));
  const reg = publishExamples(box.dir, [ECHO]);
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  await run(["agents", "install", ECHO, "--yes"]);
  await run(["agents", "enable", ECHO, "--approve-all"]);
}, 300_000);

afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
});

describe("sandbox policy", () => {
  test("required: agents info shows the exact view; the agent runs in it; the start is audited with the plan", async () => {
    const before = await info();
    expect(before.sandbox.sandboxed).toBe(true);
    expect(before.sandbox.plan!.network.mode).toBe("none");
    expect(before.sandbox.plan!.spawn).toBe(false);
    const mounts = before.sandbox.plan!.mounts.map((m) => `${m.kind} ${m.target}`);
    expect(mounts).toContain(`ro ${join(box.home, "agents", ECHO, "src")}`);
    expect(mounts).toContain(`rw ${join(box.home, "agents", ECHO, "data")}`);
    expect(mounts.some((m) => m.endsWith(join(box.home, "admin.token")) || m.endsWith(join(box.home, "catalog.db")))).toBe(false);
    const text = (await run(["agents", "info", ECHO])).stdout;
    expect(text).toContain("Sandbox:");
    expect(text).toContain("may not start programs");

    const d = await startServe({ sandbox: box });
    const st = (await run(["agents", "run", ECHO, "--json"])).json<{ state: string; sandboxed: boolean; pid: number }>();
    expect(st).toMatchObject({ state: "running", sandboxed: true });
    // The agent's process really is bwrap's: its command line names bubblewrap, and its children live in another PID namespace.
    expect(readFileSync(`/proc/${st.pid}/cmdline`, "utf8").split("\0")[0]).toMatch(/bwrap$/);
    const launch = (await run(["audit", "--agent", ECHO, "--action", "agent.launch", "--json"])).json<{ events: Array<{ details: { sandboxed: boolean; mounts: string[] } }> }>().events[0]!;
    expect(launch.details.sandboxed).toBe(true);
    expect(launch.details.mounts).toContain(`rw ${join(box.home, "agents", ECHO, "data")}`);
    const echo = (await run(["tools", "call", `${ECHO}/echo`, "--args", '{"text":"from inside"}', "--json"])).json<{ output: { text: string } }>();
    expect(echo.output.text).toBe("from inside");
    await run(["agents", "stop", ECHO]);
    await d.stop();
  });

  test("off: nothing is enforced, and the page says so where the user decides", async () => {
    const env = { OPENSENTIENCE_SANDBOX: "off" };
    const v = await info(env);
    expect(v.sandbox).toMatchObject({ policy: "off", sandboxed: false, plan: null });
    expect((await run(["agents", "info", ECHO], env)).stdout).toContain("NOT SANDBOXED");
    const d = await startServe({ sandbox: box, env });
    try {
      // One permission left to approve: the page then offers the approve dialog, where the user decides.
      await run(["agents", "revoke", ECHO, "env:read:ECHO_EXAMPLE_SECRET"], env);
      const url = d.info.url;
      const { cookie } = await loginOverHttp({ url, port: Number(new URL(url).port), loginUrl: `${url}/login?token=${readFileSync(join(box.home, "admin.token"), "utf8").trim()}` });
      const html = await (await fetch(`${url}/agents/${ECHO}`, { headers: { cookie } })).text();
      expect(html).toContain("Not sandboxed");
      expect(html).toContain('data-testid="permissions-not-enforced"');
      expect(html).toContain('data-testid="enable-not-enforced"');
      await run(["agents", "enable", ECHO, "--approve-all"], env);
    } finally {
      await d.stop();
    }
  });

  test("without bubblewrap: required refuses to start the agent with the reason; auto starts it unsandboxed and says so", async () => {
    const PATH = pathWithoutBwrap();
    const d = await startServe({ sandbox: box, env: { PATH } });
    try {
      expect(d.stderr()).toMatch(/sandbox: required, but unavailable \(bwrap is not installed/);
      const refused = await runBinary(["agents", "run", ECHO], { sandbox: box, env: { PATH } });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toContain("requires the sandbox, but bwrap is not installed");
    } finally {
      await d.stop();
    }
    const auto = await startServe({ sandbox: box, env: { PATH, OPENSENTIENCE_SANDBOX: "auto" } });
    try {
      expect(auto.stderr()).toMatch(/sandbox: UNAVAILABLE .* NOT enforced/);
      // The refused run kept the intent, so this daemon starts the agent by itself (autostart).
      const st = await waitFor(async () => {
        const s = (await info({ PATH, OPENSENTIENCE_SANDBOX: "auto" })).runtime;
        return s?.state === "running" ? s : null;
      }, { timeoutMs: 60_000, what: "the agent running unsandboxed" });
      expect(st).toMatchObject({ state: "running", sandboxed: false });
      const v = await info({ PATH, OPENSENTIENCE_SANDBOX: "auto" });
      expect(v.sandbox.sandboxed).toBe(false);
      expect(v.sandbox.reason).toContain("bwrap is not installed");
    } finally {
      await auto.stop();
    }
  });
});
