/**
 * The typed daemon client (src/client) against the compiled daemon: finds it
 * through the daemon file, authenticates as the CLI, and maps HTTP errors back
 * to AppError codes.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { DaemonClient } from "../../src/client/daemon-client.ts";
import { loadConfig } from "../../src/core/config/load.ts";
import { AppError } from "../../src/core/errors.ts";
import { type RunningDaemon, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";
import { seedAgents } from "../helpers/web-fixtures.ts";
import { leaveStaleSocket } from "../helpers/stale-socket.ts";

setDefaultTimeout(60_000);

let d: RunningDaemon;
beforeAll(async () => {
  const home = tempHome();
  seedAgents(home.roots);
  d = await startWebDaemon({ home });
});
afterAll(async () => {
  await d?.stop();
  d?.home.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
}

test("connects through the daemon file and calls the API as the CLI", async () => {
  const client = DaemonClient.connect(loadConfig({ env: d.home.env }), d.home.env);
  expect(client.baseUrl).toBe(d.url);
  expect((await client.health()).pid).toBe(d.proc.pid);
  expect((await client.listAgents({ q: "forecast" })).agents.map((a) => a.id)).toEqual(["com.example.weather"]);
  expect((await client.getAgent("com.example.summarizer")).name).toBe("Meeting Summarizer");
  expect((await client.runDiscovery()).found).toBe(6);
  const audit = await client.audit({ action: "discovery.run", limit: 1 });
  expect(audit.events[0]!.actor).toBe("cli");
});

test("maps HTTP errors back to AppError codes", async () => {
  const client = DaemonClient.connect(loadConfig({ env: d.home.env }), d.home.env);
  expect(await codeOf(client.getAgent("com.example.missing"))).toBe("not_found");
  // A value the client's types would not allow, to reach the daemon's own validation.
  expect(await codeOf(client.listAgents({ status: "bogus" as never }))).toBe("invalid_argument");
  expect(await codeOf(client.getOperation("no-such-operation"))).toBe("not_found");
  expect(await codeOf(client.uninstallPlan("com.example.weather"))).toBe("not_found");
  expect(await codeOf(new DaemonClient(d.url, "0".repeat(64)).health())).toBe("unauthorized");
});

test("daemon_not_running when there is no daemon, or it does not answer", async () => {
  const empty = tempHome();
  try {
    const err = await codeOf(Promise.resolve().then(() => DaemonClient.connect(loadConfig({ env: empty.env }), empty.env)));
    expect(err).toBe("daemon_not_running");
    expect(await codeOf(new DaemonClient("http://127.0.0.1:1", "x").health())).toBe("daemon_not_running");
  } finally {
    empty.cleanup();
  }
});

test("agents list/search's direct read (no typed client) answers what the client answers, and steps aside otherwise", async () => {
  const { daemonPageDirect } = await import("../../src/cli/agents-search.ts");
  const client = DaemonClient.connect(loadConfig({ env: d.home.env }), d.home.env);
  for (const filter of [{}, { query: "forecast" }, { capability: "weather", limit: 1 }, { status: "available" as const, offset: 1 }]) {
    const direct = await daemonPageDirect(d.home.env, filter);
    expect(direct).not.toBeNull();
    expect(direct).toEqual(
      await client.listAgents({ q: filter.query, capability: filter.capability, status: filter.status, limit: filter.limit, offset: filter.offset }),
    );
  }
  // An answer other than 200 (the daemon refuses the filter): null, so the validated path reports it.
  expect(await daemonPageDirect(d.home.env, { status: "bogus" as never })).toBeNull();
  // No local API socket, or one no daemon listens on (a crashed daemon's): null as well.
  const other = tempHome();
  try {
    expect(await daemonPageDirect(other.env, {})).toBeNull();
    await leaveStaleSocket(join(other.env.OPENSENTIENCE_HOME!, "api.sock"));
    expect(await daemonPageDirect(other.env, {})).toBeNull();
  } finally {
    other.cleanup();
  }
});
