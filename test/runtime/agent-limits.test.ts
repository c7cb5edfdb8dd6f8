/**
 * Resource limits through the real supervisor: the agent's limits (manifest,
 * capped by config) are applied at spawn, its status shows how they are
 * enforced, and an agent killed by the OOM killer in its memory cgroup is
 * audited as `agent.oom` and restarted by the crash path with backoff.
 * The agent is the protocol peer (bun) that starts hogging memory once it
 * has registered. Needs a writable memory cgroup (root here); skipped elsewhere.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectLimitSupport } from "../../src/core/sandbox/limits.ts";
import { fakeAgentDir, fakeManifest, runtimeEnv, type RuntimeEnv, until } from "../helpers/runtime-env.ts";

let env: RuntimeEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const canLimitMemory = detectLimitSupport(true).controllers.memory !== undefined;

/** The protocol peer, plus a memory hog that starts after it has registered. */
function hogAgentDir(): string {
  const dir = fakeAgentDir("normal");
  const wrapper = join(dir, "hog.ts");
  writeFileSync(
    wrapper,
    `import ${JSON.stringify(join(import.meta.dir, "../helpers/fake-agent.ts"))};
const keep: Buffer[] = [];
setTimeout(() => setInterval(() => keep.push(Buffer.alloc(16 * 1024 * 1024, 1)), 5), 300);
`,
  );
  writeFileSync(join(dir, "bin", "agent"), `#!/bin/sh\nexport FAKE_AGENT_MODE=normal\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(wrapper)}\n`, { mode: 0o755 });
  return dir;
}

describe.skipIf(!canLimitMemory)("agent resource limits (real cgroups)", () => {
  test("an agent over its memory limit is OOM-killed, audited as agent.oom, and restarted with backoff", async () => {
    env = await runtimeEnv({ restart_base_delay_ms: 200, restart_max_delay_ms: 400, restart_budget: 2, agent_memory_mb: 512 });
    const id = "com.test.hog";
    // The manifest asks for less than the operator's cap: 160 MB wins.
    env.installAgent({ id, path: hogAgentDir(), manifest: fakeManifest(id, { execution_limits: { memory_mb: 160, max_processes: 128 } }) });
    await env.runtime.run(id, "cli");
    const view = env.runtime.sandboxView(id)!;
    expect(view.limits).toMatchObject({ memoryMb: 160, maxProcesses: 128, cpuPercent: 100 });
    expect(view.limits!.enforced.memory).toMatch(/^cgroup-v[12]$/);
    await until(() => env!.services.audit.query({ agentId: id, action: "agent.oom" }).length > 0, "agent.oom audit", 20_000);
    const oom = env.services.audit.query({ agentId: id, action: "agent.oom" }).at(-1)!;
    expect(oom.details).toMatchObject({ memory_mb: 160, mechanism: view.limits!.enforced.memory });
    expect(Number(oom.details.oom_kills)).toBeGreaterThanOrEqual(1);
    expect(env.services.audit.query({ agentId: id, action: "agent.crash" })[0]!.details).toMatchObject({ reason: "out of memory" });
    // The crash path takes it from there: backoff, restart (which hogs again), until the budget is spent.
    await until(() => env!.services.audit.query({ agentId: id, action: "agent.restart" }).length > 0, "a restart", 20_000);
    await until(() => env!.runtime.status(id).state === "failed", "failed after the restart budget", 30_000);
    expect(env.runtime.status(id).lastExit?.reason).toBe("out of memory");
  }, 60_000);

  test("the status of a normal agent says which limits are enforced, and how", async () => {
    env = await runtimeEnv({ agent_max_processes: 100 });
    const id = "com.test.limited";
    env.installAgent({ id, path: fakeAgentDir("normal"), manifest: fakeManifest(id) });
    await env.runtime.run(id, "cli");
    const l = env.runtime.sandboxView(id)!.limits!;
    expect(l).toMatchObject({ memoryMb: 1024, cpuPercent: 100, maxProcesses: 100 });
    expect(l.enforced.openFiles).toBe("rlimit");
    expect(l.enforced.coreDumps).toBe("rlimit");
    const pid = env.runtime.status(id).pid!;
    const limits = await Bun.file(`/proc/${pid}/limits`).text();
    expect(limits).toMatch(/Max core file size\s+0\s+0/);
    expect(limits).toMatch(/Max open files\s+4096\s+4096/);
  }, 30_000);
});
