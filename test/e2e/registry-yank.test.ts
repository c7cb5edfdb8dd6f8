/**
 * Yanked and deprecated registry entries (issue 16 part 3), with a real
 * Elixir agent (examples/echo, built with mix) installed from a real git
 * registry on a file:// remote: a sync that finds its entry yanked stops the
 * running agent through the kill switch, disables it and quarantines it with
 * the reason; enable is refused until the entry is un-yanked or the operator
 * overrides (CLI `--override-yank`, audited); un-yank lifts the quarantine.
 * Deprecated entries show their replacement in the list, `agents info` and
 * the agent page.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { agentDetailText, agentsTable } from "../../src/cli/format-agents.ts";
import { isAppError } from "../../src/core/errors.ts";
import { installs } from "../../src/db/schema.ts";
import { AgentDetailPage } from "../../src/web/pages/agent-detail.tsx";
import { eq } from "drizzle-orm";
import { buildExample } from "../helpers/elixir-build.ts";
import { cleanupTemp, registryEntry, registryRepo, type RegistryRepo, runBin, tempDir, updateRegistry } from "../helpers/git-fixtures.ts";
import { type RuntimeEnv, runtimeEnv } from "../helpers/runtime-env.ts";

const ECHO = "com.opensentience.examples.echo";
const REASON = "CVE-2026-0001: leaks the caller's tokens";

let env: RuntimeEnv;
let reg: RegistryRepo;
let echoManifest: Record<string, unknown>;

const echoEntry = (extra: Record<string, unknown> = {}) =>
  registryEntry({ dir: "", sha: "", url: "https://git.example.com/echo.git", manifest: echoManifest }, extra);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function refused(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (isAppError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "accepted";
}

const sync = () => env.services.registries.sync("r", { actor: "cli" });
const install = () => env.services.catalog.installFor(ECHO)!;
const binEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: env.home, OPENSENTIENCE_HOME: env.home, OPENSENTIENCE_EXAMPLES: "0" });

beforeAll(async () => {
  env = await runtimeEnv();
  const echo = await buildExample("echo", env.home);
  echoManifest = echo.manifest;
  // Installed from registry "r", as the installer records it after a build.
  env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest, approve: ["env:read:ECHO_EXAMPLE_SECRET"] });
  env.services.store.db.update(installs).set({ source: "remote", registryName: "r" }).where(eq(installs.agentId, ECHO)).run();
  reg = registryRepo(tempDir("os-yank-"), { [`${ECHO}.json`]: echoEntry() });
  env.services.registries.add({ name: "r", gitUrl: reg.url }, { actor: "cli" });
  await sync();
}, 240_000);

afterAll(async () => {
  await env?.close();
  cleanupTemp();
});

describe("yanked entries", () => {
  test("a yank stops, disables and quarantines the running agent; enable is refused; --override-yank works and is audited; un-yank lifts it", async () => {
    const running = await env.runtime.run(ECHO, "cli");
    const pid = running.pid!;
    expect(alive(pid)).toBe(true);

    updateRegistry(reg, { [`${ECHO}.json`]: echoEntry({ yanked: { reason: REASON } }) }, "yank echo");
    const yanked = await sync();
    expect(yanked.quarantined).toEqual([ECHO]);
    // The sync returns after the kill switch finished: the process is gone.
    expect(["stopped", "exited", "failed"]).toContain(env.runtime.status(ECHO).state);
    expect(alive(pid)).toBe(false);
    expect(install()).toMatchObject({ enabled: false, runIntent: "stopped", quarantineReason: REASON });
    expect(env.services.audit.query({ action: "agent.quarantine" })[0]).toMatchObject({ agentId: ECHO, outcome: "ok", details: { reason: REASON, was_enabled: true } });
    expect(env.services.audit.query({ action: "agent.kill_switch" })[0]).toMatchObject({ agentId: ECHO, details: { reason: "yanked" } });

    // Enable refused (audited), and nothing can start it.
    expect(await refused(() => env.services.approvals.enable(ECHO, { actor: "cli" }))).toContain("--override-yank");
    expect(env.services.audit.query({ action: "agent.enable" })[0]).toMatchObject({ outcome: "denied", details: { reason: "quarantined" } });
    expect(await refused(() => env.runtime.run(ECHO, "cli"))).toStartWith("conflict:");
    // The CLI says the same in one line.
    const cli = await runBin(["agents", "enable", ECHO], binEnv());
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split("\n")).toEqual([expect.stringContaining("is quarantined")]);

    // Shown: list (summary), agents info, agent page with the explicit confirmation in the enable dialog.
    const detail = env.services.catalog.get(ECHO);
    expect(detail.quarantine).toBe(REASON);
    expect(agentDetailText(detail)).toContain(`quarantine       yes: ${REASON}`);
    const page = String(await AgentDetailPage({ agent: detail, csrf: "t" }));
    expect(page).toContain("Quarantined: its registry withdrew (yanked) this agent");
    expect(page).toContain('name="override_yank"');

    // A second sync with the same yank changes nothing.
    expect((await sync()).quarantined).toEqual([]);

    // The operator overrides through the CLI: audited, enabled, runnable; later syncs keep the override.
    const over = await runBin(["agents", "enable", ECHO, "--override-yank"], binEnv());
    expect(over.stderr).toBe("");
    expect(over.code).toBe(0);
    expect(env.services.audit.query({ action: "agent.yank_override" })[0]).toMatchObject({ actor: "cli", agentId: ECHO, details: { yank_reason: REASON } });
    expect(env.services.catalog.get(ECHO).install!.quarantine).toMatchObject({ reason: REASON, overriddenAt: expect.any(String) });
    await env.runtime.run(ECHO, "cli");
    expect((await sync()).quarantined).toEqual([]);
    expect(env.runtime.status(ECHO).state).toBe("running");

    // Un-yank: the quarantine and the override are lifted.
    updateRegistry(reg, { [`${ECHO}.json`]: echoEntry() }, "un-yank echo");
    expect((await sync()).released).toEqual([ECHO]);
    expect(install()).toMatchObject({ quarantineReason: null, yankOverrideReason: null, enabled: true });
    expect(env.services.audit.query({ action: "agent.quarantine_lifted" })[0]).toMatchObject({ agentId: ECHO, details: { previous_reason: REASON, override_cleared: true } });

    // Yanked again (no override now): quarantined again; un-yanked: plain enable works.
    updateRegistry(reg, { [`${ECHO}.json`]: echoEntry({ yanked: { reason: "second yank" } }) }, "yank again");
    expect((await sync()).quarantined).toEqual([ECHO]);
    expect(env.runtime.status(ECHO).state).not.toBe("running");
    updateRegistry(reg, { [`${ECHO}.json`]: echoEntry() }, "un-yank again");
    expect((await sync()).released).toEqual([ECHO]);
    expect(install().enabled).toBe(false);
    env.services.approvals.enable(ECHO, { actor: "cli" });
    expect(install().enabled).toBe(true);
  }, 240_000);

  test("deprecated entries show their replacement; a bad yank is a bad entry; a yanked entry is not installable", async () => {
    updateRegistry(reg, {
      [`${ECHO}.json`]: echoEntry({ deprecated: true, replacement_id: "com.example.echo2" }),
      "com.example.gone.json": registryEntry({ dir: "", sha: "", url: "https://git.example.com/gone.git", manifest: { ...echoManifest, id: "com.example.gone" } }, { yanked: { reason: "withdrawn" } }),
      "com.example.badyank.json": registryEntry({ dir: "", sha: "", url: "https://git.example.com/b.git", manifest: { ...echoManifest, id: "com.example.badyank" } }, { yanked: { reason: "x".repeat(600) } }),
    });
    const r = await sync();
    expect(r.errors.map((e) => e.file)).toEqual(["agents/com.example.badyank.json"]);
    expect(r.errors[0]!.message).toContain("yanked.reason");

    const list = env.services.search.search({ source: "remote" });
    expect(list.agents.find((a) => a.id === ECHO)).toMatchObject({ deprecated: true, replacementId: "com.example.echo2" });
    expect(agentsTable(list)).toContain("[deprecated, use com.example.echo2]");
    expect(agentsTable(list)).toContain("[yanked: withdrawn]");
    const detail = env.services.catalog.get(ECHO);
    expect(agentDetailText(detail)).toContain("yes, use com.example.echo2");
    const page = String(await AgentDetailPage({ agent: detail, csrf: "t" }));
    expect(page).toContain("Deprecated by its registry");
    expect(page).toContain('href="/agents/com.example.echo2"');

    expect(await refused(() => env.services.installer.planInstall("com.example.gone"))).toBe("conflict: registry r has yanked com.example.gone (withdrawn); refusing to install it");
  });
});
