/**
 * The local API socket (src/daemon/local-api-socket.ts) against the compiled
 * daemon: the CLI reaches the daemon without the admin token, a socket
 * request passes the same checks as an HTTP one (body limits, audit actor),
 * nothing but /api/ is served on it, a daemon whose token comes from its
 * environment does not listen on it, and a crashed daemon's socket or a
 * foreign file at its path never stops the CLI from working.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunningDaemon, runBinary, startWebDaemon, tempHome, type TempHome, writeAgent } from "../helpers/web-daemon.ts";

setDefaultTimeout(120_000);

const ENV_TOKEN = "e".repeat(48);

function daemonFile(home: TempHome): { url: string; socket?: string } {
  return JSON.parse(readFileSync(join(home.home, "daemon.json"), "utf8")) as { url: string; socket?: string };
}

/** A request over the socket; the URL's host is ignored by the daemon (it hands the request on as its TCP one). */
function overSocket(socket: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://localhost${path}`, { ...init, unix: socket, redirect: "manual" });
}

describe("a daemon with its token file; the CLI reaches it over the socket", () => {
  let home: TempHome;
  let d: RunningDaemon;
  let socket: string;
  beforeAll(async () => {
    home = tempHome();
    writeAgent(home.roots, "weather", { description: "Forecasts" });
    d = await startWebDaemon({ home });
    socket = join(home.home, "api.sock");
  });
  afterAll(async () => {
    await d?.stop();
    home?.cleanup();
  });

  test("the socket sits in the data directory, mode 0600, named in the daemon file", () => {
    const st = lstatSync(socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(daemonFile(home)).toMatchObject({ url: d.url, socket });
  });

  test("CLI commands work with no token at hand (typed client and the direct read)", async () => {
    // The token file moved away: the daemon keeps its token in memory, the CLI has none to read.
    const file = join(home.home, "admin.token");
    renameSync(file, `${file}.away`);
    try {
      await cliWithoutToken();
    } finally {
      renameSync(`${file}.away`, file);
    }
  });

  async function cliWithoutToken() {
    const list = await runBinary(["agents", "list", "--json"], home.env);
    expect(list.stderr).toBe("");
    expect((JSON.parse(list.stdout) as { agents: Array<{ id: string }> }).agents.map((a) => a.id)).toEqual(["com.example.weather"]);
    const discover = await runBinary(["discover", "--json"], home.env);
    expect(discover.code).toBe(0);
    // A state change over the socket is audited as the CLI's.
    const audit = await runBinary(["audit", "--action", "discovery.run", "--limit", "1", "--json"], home.env);
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as { events: Array<{ actor: string }> }).events[0]!.actor).toBe("cli");
    // Over TCP the same CLI would need the token: the socket is what let it in.
    expect((await fetch(`${d.url}/api/v1/health`)).status).toBe(401);
  }

  test("any credential sent over the socket is dropped; reaching it is the credential", async () => {
    const res = await overSocket(socket, "/api/v1/agents", { headers: { authorization: "Bearer wrong", cookie: "x=y", origin: "http://evil.example" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { agents: unknown[] }).agents).toHaveLength(1);
    // Without the CLI's marker the actor is `api`, as for any bearer-token caller.
    expect((await overSocket(socket, "/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(200);
    const events = (await (await d.api("/api/v1/audit?action=discovery.run&limit=1")).json()) as { events: Array<{ actor: string }> };
    expect(events.events[0]!.actor).toBe("api");
  });

  test("only /api/ is served: pages, /mcp, /events and /metrics keep their own authentication on TCP", async () => {
    for (const path of ["/", "/login", "/mcp", "/events", "/metrics", "/api/../login", "/apiX", "/assets/app.css"]) {
      const res = await overSocket(socket, path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });

  test("a socket request passes the same checks: a too-large body is a JSON 413, bad JSON a 400", async () => {
    const big = JSON.stringify({ text: "x".repeat(1_100_000) });
    const res = await overSocket(socket, "/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const bad = await overSocket(socket, "/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(bad.status).toBe(400);
  });

  test("stopping the daemon removes the socket", async () => {
    await d.stop();
    expect(() => lstatSync(socket)).toThrow();
    expect(daemonFile.bind(null, home)).toThrow(); // the daemon file is gone too
  });
});

test("a daemon whose token comes from its environment does not listen on the socket: the CLI needs the token", async () => {
  const home = tempHome();
  const d = await startWebDaemon({ home, env: { OPENSENTIENCE_ADMIN_TOKEN: ENV_TOKEN } });
  try {
    expect(existsSync(join(home.home, "api.sock"))).toBe(false);
    expect(daemonFile(home).socket).toBeUndefined();
    expect(d.stderr()).toContain("local API socket: off");
    const without = await runBinary(["audit", "--limit", "1"], home.env);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("OPENSENTIENCE_ADMIN_TOKEN");
    const withToken = await runBinary(["audit", "--limit", "1", "--json"], { ...home.env, OPENSENTIENCE_ADMIN_TOKEN: ENV_TOKEN });
    expect(withToken.code).toBe(0);
  } finally {
    await d.stop();
    home.cleanup();
  }
});

describe("what a crashed daemon leaves, and a foreign file at the socket's path", () => {
  let home: TempHome;
  beforeAll(() => {
    home = tempHome();
    writeAgent(home.roots, "weather", { description: "Forecasts" });
  });
  afterAll(() => home?.cleanup());

  test("after kill -9 the CLI works without the daemon, and the next daemon takes the socket over", async () => {
    const d = await startWebDaemon({ home });
    const socket = join(home.home, "api.sock");
    d.proc.kill("SIGKILL");
    await d.proc.exited;
    expect(lstatSync(socket).isSocket()).toBe(true); // left behind
    const list = await runBinary(["agents", "list", "--json"], home.env);
    expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: "" });
    expect((JSON.parse(list.stdout) as { agents: Array<{ id: string }> }).agents.map((a) => a.id)).toEqual(["com.example.weather"]);
    const next = await startWebDaemon({ home });
    try {
      expect(daemonFile(home).socket).toBe(socket);
      expect((await overSocket(socket, "/api/v1/health")).status).toBe(200);
      expect(((await (await overSocket(socket, "/api/v1/health")).json()) as { pid: number }).pid).toBe(next.proc.pid);
    } finally {
      await next.stop();
    }
  });

  test("a regular file at the socket's path is left alone; the CLI uses TCP and the token file", async () => {
    const path = join(home.home, "api.sock");
    rmSync(path, { force: true });
    writeFileSync(path, "mine\n");
    const d = await startWebDaemon({ home });
    try {
      expect(d.stderr()).toContain("is not a socket");
      expect(readFileSync(path, "utf8")).toBe("mine\n");
      expect(daemonFile(home).socket).toBeUndefined();
      const list = await runBinary(["agents", "list", "--json"], home.env);
      expect(list.code).toBe(0);
      expect((JSON.parse(list.stdout) as { agents: unknown[] }).agents).toHaveLength(1);
      const audit = await runBinary(["audit", "--limit", "1", "--json"], home.env);
      expect(audit.code).toBe(0);
    } finally {
      await d.stop();
    }
    expect(readFileSync(path, "utf8")).toBe("mine\n");
  });
});
