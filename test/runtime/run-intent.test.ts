/**
 * Run intent (installs.run_intent / autostart) with real Elixir agents, real
 * SQLite, a real socket: what run, stop, restart, the kill switch and an
 * update swap leave in the catalog, and what a new runtime on the same data
 * directory (a daemon restart) starts again. The crash-budget case uses the
 * protocol test peer, which can crash at start on demand.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Runtime } from "../../src/core/runtime/runtime.ts";
import { installs } from "../../src/db/schema.ts";
import { eq } from "drizzle-orm";
import { agentRoots } from "../helpers/agent-procs.ts";
import { buildExample } from "../helpers/elixir-build.ts";
import { fakeAgentDir, fakeManifest, runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";

const ECHO = "com.opensentience.examples.echo";
/** A second copy of the echo agent under its own id: started with autostart off. */
const MANUAL = "com.test.echo_manual";
const INVOKER = "com.opensentience.examples.invoker";
const SECRET = "env:read:ECHO_EXAMPLE_SECRET";

let env: RuntimeEnv;

const stored = (id: string) => {
  const row = env.services.catalog.installFor(id);
  return row ? { intent: row.runIntent, autostart: row.autostart } : null;
};
const lastAudit = (id: string, action: string) => env.services.audit.query({ agentId: id, action, limit: 1 })[0];

/** Stops the runtime as a daemon stop does and starts a new one on the same data directory (intents persist). */
async function restartDaemonRuntime(): Promise<Runtime> {
  await env.runtime.stop();
  env.runtime = new Runtime(env.services);
  await env.runtime.start();
  return env.runtime;
}

beforeAll(async () => {
  env = await runtimeEnv({ restart_base_delay_ms: 50, restart_max_delay_ms: 400, heartbeat_interval_ms: 1000, shutdown_grace_ms: 2000 });
  const [echo, manual, invoker] = await Promise.all([buildExample("echo", env.home), buildExample("echo", env.home), buildExample("invoker", env.home)]);
  env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest, approve: [SECRET] });
  env.installAgent({ id: MANUAL, path: manual.dir, manifest: { ...manual.manifest, id: MANUAL } });
  env.installAgent({ id: INVOKER, path: invoker.dir, manifest: invoker.manifest, approve: ["tool:invoke:com.opensentience.examples.echo/echo"] });
}, 180_000);

afterAll(async () => {
  await env?.close();
});

describe("run intent", () => {
  test("a fresh install stays stopped; run → running (autostart on); stop → stopped; both audited", async () => {
    expect(stored(ECHO)).toEqual({ intent: "stopped", autostart: true });
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "stopped", autostart: true });
    const st = await env.runtime.run(ECHO, "cli", { correlationId: "corr-run" });
    expect(st).toMatchObject({ state: "running", intent: "running", autostart: true });
    expect(stored(ECHO)).toEqual({ intent: "running", autostart: true });
    const started = env.services.audit.query({ agentId: ECHO, action: "agent.run", correlationId: "corr-run" }).find((e) => e.outcome === "started");
    expect(started?.details).toMatchObject({ intent: "running", autostart: true });
    const stopped = await env.runtime.stopAgent(ECHO, "cli");
    expect(stopped).toMatchObject({ state: "stopped", intent: "stopped" });
    expect(stored(ECHO)?.intent).toBe("stopped");
    expect(lastAudit(ECHO, "agent.stop")?.details).toMatchObject({ intent: "stopped" });
    // Stopping what is neither active nor meant to run is still refused.
    await expect(env.runtime.stopAgent(ECHO, "cli")).rejects.toMatchObject({ code: "conflict" });
  });

  test("--no-autostart is stored, and restart keeps it", async () => {
    const st = await env.runtime.run(MANUAL, "cli", { autostart: false });
    expect(st).toMatchObject({ state: "running", intent: "running", autostart: false });
    const again = await env.runtime.restart(MANUAL, "ui");
    expect(again).toMatchObject({ state: "running", autostart: false });
    expect(again.pid).not.toBe(st.pid);
    expect(stored(MANUAL)).toEqual({ intent: "running", autostart: false });
    await env.runtime.stopAgent(MANUAL, "cli");
    // A later plain run turns autostart back on (the default).
    await env.runtime.run(MANUAL, "cli");
    expect(stored(MANUAL)).toEqual({ intent: "running", autostart: true });
    await env.runtime.stopAgent(MANUAL, "cli");
  });

  test("kill switch: disable and revoke stop the agent and its intent; enabling again does not start it", async () => {
    await env.runtime.run(ECHO, "cli");
    await env.services.approvals.disable(ECHO, { actor: "cli" });
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "stopped" });
    expect(lastAudit(ECHO, "agent.kill_switch")?.details).toMatchObject({ reason: "disabled", intent: "stopped" });
    env.services.approvals.enable(ECHO, { actor: "cli", approveAll: true });
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "stopped" });

    await env.runtime.run(ECHO, "cli");
    await env.services.approvals.revoke(ECHO, SECRET, { actor: "cli" });
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "stopped" });
    expect(lastAudit(ECHO, "agent.kill_switch")?.details).toMatchObject({ reason: "permission_revoked", intent: "stopped" });
    env.services.approvals.enable(ECHO, { actor: "cli", approveAll: true });
  });

  test("an update swap pauses a running agent and starts it again; an escalation that disabled it leaves it stopped", async () => {
    const before = await env.runtime.run(ECHO, "cli");
    await env.services.agentHooks.stop(ECHO, "updating");
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "running" });
    await env.services.agentHooks.resume(ECHO, "updated");
    const after = env.runtime.status(ECHO);
    expect(after).toMatchObject({ state: "running", intent: "running", tools: 6 });
    expect(after.pid).not.toBe(before.pid);

    await env.services.agentHooks.stop(ECHO, "updating");
    // What the updater does when the new manifest asks for unapproved permissions: the agent is disabled.
    env.services.store.db.update(installs).set({ enabled: false }).where(eq(installs.agentId, ECHO)).run();
    await env.services.agentHooks.resume(ECHO, "updated");
    expect(env.runtime.status(ECHO)).toMatchObject({ state: "stopped", intent: "stopped" });
    expect(lastAudit(ECHO, "agent.kill_switch")?.details).toMatchObject({ intent: "stopped", was_active: false });
    env.services.store.db.update(installs).set({ enabled: true }).where(eq(installs.agentId, ECHO)).run();
  });

  test("daemon restart: intent running + autostart comes back once; autostart off and stopped ones do not", async () => {
    await env.runtime.run(ECHO, "cli");
    await env.runtime.run(INVOKER, "cli");
    await env.runtime.run(MANUAL, "cli", { autostart: false });
    await env.runtime.stopAgent(INVOKER, "cli");
    const rt = await restartDaemonRuntime();
    // The daemon stop ended every agent but changed no intent.
    expect(stored(ECHO)?.intent).toBe("running");
    expect(stored(MANUAL)).toEqual({ intent: "running", autostart: false });
    // A user starting ECHO just before autostart reaches it: started once, autostart skips it.
    const userRun = rt.run(ECHO, "ui");
    const report = await rt.autostart();
    await userRun;
    expect(report.started).toEqual([]);
    expect(report.skipped).toEqual([{ agentId: ECHO, reason: "already starting" }]);
    expect(rt.status(ECHO)).toMatchObject({ state: "running", intent: "running", tools: 6 });
    expect(agentRoots(env.home, ECHO)).toEqual([rt.status(ECHO).pid!]);
    expect(rt.status(MANUAL).state).toBe("stopped");
    expect(rt.status(INVOKER)).toMatchObject({ state: "stopped", intent: "stopped" });
    expect(agentRoots(env.home, INVOKER)).toEqual([]);

    // And without a competing user: the daemon starts it itself, as `system`, audited as agent.autostart.
    const again = await restartDaemonRuntime();
    const r2 = await again.autostart();
    expect(r2.started).toEqual([ECHO]);
    expect(again.status(ECHO)).toMatchObject({ state: "running", tools: 6 });
    expect(agentRoots(env.home, ECHO)).toEqual([again.status(ECHO).pid!]);
    const auto = env.services.audit.query({ agentId: ECHO, action: "agent.autostart", limit: 2 });
    expect(auto.map((e) => `${e.actor}:${e.outcome}`)).toEqual(["system:ok", "system:started"]);
    // Autostart runs once per daemon start.
    expect(await again.autostart()).toBe(r2);
    await again.stopAgent(ECHO, "cli");
    await again.stopAgent(MANUAL, "cli");
  });
});

describe("run intent and failures", () => {
  test("a crash that exhausts the restart budget keeps the intent; the next daemon start tries again", async () => {
    const crashy = "com.test.crashy_intent";
    env.installAgent({ id: crashy, path: fakeAgentDir("crash_at_start"), manifest: fakeManifest(crashy) });
    await expect(env.runtime.run(crashy, "cli")).rejects.toThrow(/did not start/);
    await until(() => env.runtime.status(crashy).state === "failed", "failed after the budget", 30_000);
    expect(stored(crashy)).toEqual({ intent: "running", autostart: true });
    const rt = await restartDaemonRuntime();
    const r = await rt.autostart();
    expect(r.failed.map((f) => f.agentId)).toEqual([crashy]);
    expect(lastAudit(crashy, "agent.autostart")).toMatchObject({ actor: "system", outcome: "error" });
    // The usual backoff and budget follow, and the intent still stands.
    await until(() => rt.status(crashy).state === "failed", "failed again after the budget", 30_000);
    expect(rt.status(crashy)).toMatchObject({ intent: "running", autostart: true });
    // Stop withdraws the intent of an agent that is not even active.
    expect(await rt.stopAgent(crashy, "cli")).toMatchObject({ state: "failed", intent: "stopped" });
    expect(lastAudit(crashy, "agent.stop")?.details).toMatchObject({ intent: "stopped", was_active: false });
  });

  test("an agent that is no longer runnable is reported by autostart, not started, and nothing crashes", async () => {
    const broken = "com.test.broken_intent";
    env.installAgent({ id: broken, path: fakeAgentDir("normal"), manifest: fakeManifest(broken) });
    // Intent running, but the stored manifest no longer passes the schema.
    env.services.store.db.update(installs).set({ runIntent: "running", manifestJson: '{"manifest_version":1}' }).where(eq(installs.agentId, broken)).run();
    const rt = await restartDaemonRuntime();
    const r = await rt.autostart();
    expect(r.failed).toEqual([{ agentId: broken, error: expect.stringContaining("no usable installed manifest") }]);
    expect(lastAudit(broken, "agent.autostart")).toMatchObject({ outcome: "error", details: { runnable: false } });
    expect(rt.status(broken).state).toBe("stopped");
  });
});
