/**
 * `kill -9` of the daemon, through the compiled binary: two agents whose run
 * intent is running, one the user stopped. The next daemon kills what the old
 * one left behind (recorded in `runs`, identified by its environment), then
 * starts the two again by itself — new processes, tools registered, audited as
 * `agent.autostart` — exactly once each, and leaves the stopped one stopped.
 *
 * Agents: the real Elixir echo and invoker examples, plus the protocol test
 * peer in a mode that ignores SIGTERM and the closed socket. A real SDK agent
 * exits by itself when its socket closes, which would hide the orphan path.
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { alive, processEnvVar } from "../../src/core/runtime/process-tree.ts";
import { agentRoots } from "../helpers/agent-procs.ts";
import { makeSandbox, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { fakeAgentDir } from "../helpers/runtime-env.ts";

const STUBBORN = "com.test.stubborn";
const ECHO = "com.opensentience.examples.echo";
const INVOKER = "com.opensentience.examples.invoker";
const REPO = resolve(import.meta.dir, "../..");

interface Status {
  state: string;
  pid: number | null;
  tools: number;
  intent: "running" | "stopped";
  autostart: boolean;
}

let box: Sandbox;
afterAll(async () => {
  await stopAllDaemons();
  // On failure the stubborn peer could outlive the test: kill whatever this sandbox started.
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    if (processEnvVar(Number(d), "OPENSENTIENCE_SOCKET")?.startsWith(box.home)) process.kill(Number(d), "SIGKILL");
  }
  box?.cleanup();
});

/** The daemon's JSON API with the admin token (run/stop/status/audit), as scripts use it. */
function api(daemon: ServeHandle) {
  const token = readFileSync(join(box.home, "admin.token"), "utf8").trim();
  return async <T,>(path: string, method: "GET" | "POST" = "GET"): Promise<T> => {
    const res = await fetch(`${daemon.info.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
      body: method === "POST" ? "{}" : undefined,
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${body}`);
    return JSON.parse(body) as T;
  };
}

test("kill -9 of the daemon: orphans reaped, agents meant to run come back once, a stopped one stays stopped", async () => {
  const stubbornDir = fakeAgentDir("ignore_term");
  writeFileSync(join(stubbornDir, "mix.exs"), 'defmodule Stubborn.MixProject do\n  use Mix.Project\n  def project, do: [app: :stubborn, version: "1.0.0"]\nend\n');
  writeFileSync(
    join(stubbornDir, "opensentience.agent.json"),
    JSON.stringify({ manifest_version: 1, id: STUBBORN, name: "Stubborn", version: "1.0.0", entrypoint: { type: "release", path: "bin/agent", args: [] }, capabilities: ["tools"] }),
  );
  box = makeSandbox({ prefix: "os-orph-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  const examples = ["echo", "invoker"].map((name) => {
    const dir = box.path("agents-src", name);
    cpSync(join(REPO, "examples", name), dir, { recursive: true, filter: (s) => !/\/(_build|deps)(\/|$)/.test(s) });
    return dir;
  });
  box.env.OPENSENTIENCE_SCAN_ROOTS = [stubbornDir, ...examples].join(":");
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  // Unsandboxed on purpose: inside the sandbox an agent lives in its own PID namespace that dies with the
  // daemon, so nothing could be orphaned; this is the sweep that protects machines without bubblewrap
  // (and the stubborn peer is a bun script from this repository, which no sandbox view contains).
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ sandbox: "off", limits: { heartbeat_interval_ms: 500, restart_base_delay_ms: 200, shutdown_grace_ms: 2000 } }));
  const run = (args: string[]) => runOk(args, { sandbox: box, timeoutMs: 240_000 });
  await run(["discover"]);
  for (const id of [STUBBORN, ECHO, INVOKER]) {
    await run(["agents", "install", id, "--local", "--yes"]);
    await run(["agents", "enable", id, "--approve-all"]);
  }

  const first = await startServe({ sandbox: box });
  const call1 = api(first);
  for (const id of [STUBBORN, ECHO, INVOKER]) expect(await call1<Status>(`/agents/${id}/run`, "POST")).toMatchObject({ state: "running", intent: "running", autostart: true });
  expect(await call1<Status>(`/agents/${INVOKER}/stop`, "POST")).toMatchObject({ state: "stopped", intent: "stopped" });
  const old = { stubborn: (await call1<Status>(`/agents/${STUBBORN}/status`)).pid!, echo: (await call1<Status>(`/agents/${ECHO}/status`)).pid! };

  first.proc.kill("SIGKILL");
  await first.exited;
  expect(alive(old.stubborn)).toBe(true); // orphaned: it ignores the closed socket

  const second = await startServe({ sandbox: box });
  const call2 = api(second);
  // Reachable before the agents are back: autostart runs beside the server, so wait for it through the API.
  const back = async (id: string, oldPid: number) =>
    waitFor(
      async () => {
        const s = await call2<Status>(`/agents/${id}/status`);
        return s.state === "running" && s.tools > 0 && s.pid !== oldPid ? s : null;
      },
      { timeoutMs: 120_000, what: `${id} started again by the new daemon` },
    );
  const [stubborn, echo] = await Promise.all([back(STUBBORN, old.stubborn), back(ECHO, old.echo)]);
  expect(stubborn).toMatchObject({ intent: "running", autostart: true, tools: 3 }); // its 4th tool needs a permission the manifest does not request
  expect(echo).toMatchObject({ intent: "running", autostart: true, tools: 6 });
  expect(alive(old.stubborn)).toBe(false);
  await waitFor(() => !alive(old.echo), { what: "the old echo agent gone" });

  // Exactly one process tree per agent: the new one.
  expect(agentRoots(box.home, STUBBORN)).toEqual([stubborn.pid!]);
  expect(agentRoots(box.home, ECHO)).toEqual([echo.pid!]);
  expect(await call2<Status>(`/agents/${INVOKER}/status`)).toMatchObject({ state: "stopped", pid: null, intent: "stopped" });
  expect(agentRoots(box.home, INVOKER)).toEqual([]);

  type Audit = { events: Array<{ agentId: string; actor: string; outcome: string }> };
  const orphans = (await call2<Audit>("/audit?action=agent.orphan_killed")).events.map((e) => e.agentId);
  expect(orphans).toContain(STUBBORN);
  expect(orphans).not.toContain(INVOKER);
  const autostarts = (await call2<Audit>("/audit?action=agent.autostart")).events;
  for (const id of [STUBBORN, ECHO]) {
    expect(autostarts.filter((e) => e.agentId === id).map((e) => `${e.actor}:${e.outcome}`).sort()).toEqual(["system:ok", "system:started"]);
  }
  expect(autostarts.some((e) => e.agentId === INVOKER)).toBe(false);

  // The tools answer: the agents really are back, connected to the new daemon.
  const echoed = await fetch(`${second.info.url}/api/v1/tools/call`, {
    method: "POST",
    headers: { authorization: `Bearer ${readFileSync(join(box.home, "admin.token"), "utf8").trim()}`, "content-type": "application/json" },
    body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "back" } }),
  });
  expect(await echoed.json()).toMatchObject({ output: { text: "back" } });

  await call2(`/agents/${STUBBORN}/stop`, "POST");
  expect(alive(stubborn.pid!)).toBe(false);
  expect(await second.stop("SIGTERM")).toBe(0);
  // A clean daemon stop keeps the intent: nothing of these agents is left running.
  expect(agentRoots(box.home, ECHO)).toEqual([]);
}, 600_000);
