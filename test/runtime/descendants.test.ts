/**
 * An agent never outlives its supervision, even through descendants that left
 * its process tree and session (issue 12.2): a child that called setsid and a
 * grandchild that double-forked into a new session are killed on stop, and a
 * dead daemon's leftovers are killed by the next daemon's orphan sweep.
 * (Unsandboxed on purpose: inside the sandbox the PID namespace does this.)
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { SUPERVISION_MARKER, supervisionMark } from "../../src/core/runtime/agent-process.ts";
import { recoverOrphans } from "../../src/core/runtime/orphan-recovery.ts";
import { alive, markedProcesses } from "../../src/core/runtime/process-tree.ts";
import { RunLedger } from "../../src/core/runtime/run-ledger.ts";
import { runs } from "../../src/db/schema.ts";
import { fakeAgentDir, fakeManifest, runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";

let env: RuntimeEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};
const marked = (agentId: string, daemonPid = process.pid) => markedProcesses(SUPERVISION_MARKER, supervisionMark(daemonPid, agentId));

describe("descendants", () => {
  test("stop kills descendants that left the agent's tree and session (setsid child, double-forked grandchild)", async () => {
    env = await runtimeEnv({ shutdown_grace_ms: 200 });
    const id = `com.test.escaper_${process.pid}`;
    env.installAgent({ id, path: fakeAgentDir("normal"), manifest: fakeManifest(id) });
    const { pid } = await env.runtime.run(id, "cli");
    expect(marked(id)).toEqual([pid!]); // the agent carries the mark it hands down
    // What an agent's child does to escape: a new session, re-parented away from the agent. They inherit its environment.
    const inherited = { ...process.env, [SUPERVISION_MARKER]: supervisionMark(process.pid, id) };
    Bun.spawn(["setsid", "sleep", "1000"], { env: inherited, stdio: ["ignore", "ignore", "ignore"], detached: true }).unref();
    Bun.spawn(["sh", "-c", "setsid sleep 1001 >/dev/null 2>&1 </dev/null &"], { env: inherited, stdio: ["ignore", "ignore", "ignore"] }).unref();
    // Settled: exactly the two sleeps besides the agent (the intermediate sh and setsid processes are gone).
    const sleeps = () => marked(id).filter((p) => p !== pid && cmdline(p).startsWith("sleep "));
    await until(() => sleeps().length === 2 && marked(id).length === 3, "the escaped descendants running");
    const escaped = sleeps();
    await env.runtime.stopAgent(id, "cli");
    for (const p of escaped) expect(alive(p)).toBe(false);
    expect(marked(id)).toEqual([]);
  });

  test("the orphan sweep kills a dead daemon's escaped descendants (setsid, no parent, another session)", async () => {
    env = await runtimeEnv();
    const id = `com.test.orphaned_${process.pid}`;
    const deadDaemon = 999_999; // no such process: the daemon that recorded this run is gone
    const mark = supervisionMark(deadDaemon, id);
    // In its own session (detached), like a child that called setsid.
    const child = Bun.spawn(["sleep", "1000"], { env: { ...process.env, [SUPERVISION_MARKER]: mark }, stdio: ["ignore", "ignore", "ignore"], detached: true });
    await until(() => markedProcesses(SUPERVISION_MARKER, mark).includes(child.pid), "the leftover running");
    env.services.store.db.insert(runs).values({ agentId: id, pid: 999_998, pgid: 999_998, daemonPid: deadDaemon, startedAt: new Date().toISOString() }).run();
    const killed = recoverOrphans(new RunLedger(env.services.store.db), env.services.audit);
    expect(killed.get(id)).toBe(1);
    await child.exited;
    expect(markedProcesses(SUPERVISION_MARKER, mark)).toEqual([]);
    expect(env.services.audit.query({ agentId: id, action: "agent.orphan_killed", limit: 1 })).toHaveLength(1);
  });
});
