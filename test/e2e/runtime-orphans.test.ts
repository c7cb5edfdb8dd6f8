/**
 * `kill -9` of the daemon with an agent running: the next daemon finds the
 * orphan (recorded in `runs`, identified by its environment), kills it, shows
 * nothing as running, and a new run starts exactly one process. The agent here
 * is the protocol test peer in a mode that ignores SIGTERM and socket close —
 * a real SDK agent exits by itself when its socket closes, which would hide
 * the path under test.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, processEnvVar } from "../../src/core/runtime/process-tree.ts";
import { makeSandbox, runOk, type Sandbox, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { fakeAgentDir } from "../helpers/runtime-env.ts";

const ID = "com.test.stubborn";
let box: Sandbox;
afterAll(async () => {
  await stopAllDaemons();
  // On failure the stubborn peer could outlive the test: kill whatever this sandbox started.
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    if (processEnvVar(Number(d), "OPENSENTIENCE_SOCKET")?.startsWith(box.home)) process.kill(Number(d), "SIGKILL");
  }
  box?.cleanup();
});

test("kill -9 of the daemon: the next start kills the orphan; no duplicates", async () => {
  const agentDir = fakeAgentDir("ignore_term");
  writeFileSync(join(agentDir, "mix.exs"), 'defmodule Stubborn.MixProject do\n  use Mix.Project\n  def project, do: [app: :stubborn, version: "1.0.0"]\nend\n');
  writeFileSync(
    join(agentDir, "opensentience.agent.json"),
    JSON.stringify({ manifest_version: 1, id: ID, name: "Stubborn", version: "1.0.0", entrypoint: { type: "release", path: "bin/agent", args: [] }, capabilities: ["tools"] }),
  );
  box = makeSandbox({ prefix: "os-orph-", scanRoots: [agentDir] });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ limits: { heartbeat_interval_ms: 500 } }));
  const run = (args: string[]) => runOk(args, { sandbox: box, timeoutMs: 120_000 });
  await run(["discover"]);
  await run(["agents", "install", ID, "--local", "--yes"]);
  await run(["agents", "enable", ID, "--approve-all"]);

  const first = await startServe({ sandbox: box });
  const st = (await run(["agents", "run", ID, "--json"])).json<{ state: string; pid: number }>();
  expect(st.state).toBe("running");
  first.proc.kill("SIGKILL");
  await first.exited;
  expect(alive(st.pid)).toBe(true); // orphaned: it ignores the closed socket

  const second = await startServe({ sandbox: box });
  await waitFor(() => !alive(st.pid), { what: "orphan killed at daemon start" });
  const info = (await run(["agents", "info", ID, "--json"])).json<{ runtime: { state: string; pid: number | null } }>();
  expect(info.runtime.state).toBe("stopped");
  const audit = (await run(["audit", "--action", "agent.orphan_killed", "--json"])).json<{ events: Array<{ agentId: string }> }>();
  expect(audit.events.map((e) => e.agentId)).toEqual([ID]);

  const again = (await run(["agents", "run", ID, "--json"])).json<{ pid: number }>();
  const agentProcs = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => alive(pid) && processEnvVar(pid, "OPENSENTIENCE_AGENT_ID") === ID && processEnvVar(pid, "OPENSENTIENCE_SOCKET")?.startsWith(box.home));
  expect(agentProcs).toEqual([again.pid]);
  await run(["agents", "stop", ID]);
  expect(alive(again.pid)).toBe(false);
  expect(await second.stop("SIGTERM")).toBe(0);
}, 240_000);
