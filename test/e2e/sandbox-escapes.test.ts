/**
 * Sandbox escapes (issue 11), through the COMPILED binary with real bubblewrap
 * and Landlock, `sandbox: "required"`, and a real Elixir agent whose tools each
 * try one way out (test/fixtures/agents/hostile; its tools declare no
 * permissions, so the router lets every call through and only the sandbox can
 * stop it). The data directory sits in the user's home (`~/.opensentience`, the
 * default layout), so approving `filesystem:write:~` must still hide it.
 *
 *   A  nothing approved           → every escape fails; the agent keeps running
 *   B  each matching permission   → the matching escape works; the admin token,
 *                                   the catalog, other agents and the daemon's
 *                                   environment stay out of reach
 *   C  + network:egress:*         → the host's network namespace; the rest still not
 *   D  revoke process:spawn and * → refused again
 *   E  past the memory limit      → OOM-killed and restarted (skipped, and said so,
 *                                   where no memory limit is enforced)
 *
 * Gaps found are `test.failing` (they pass while the gap exists and turn red
 * once it is closed): the dynamic loader runs any file without process:spawn;
 * `filesystem:read:/proc` shows the host's processes; `network:egress:*` reaches
 * the host's loopback and abstract Unix sockets.
 *
 * Only loopback servers started here are ever contacted. One install (one mix
 * build), five agent starts. Prints the escape matrix at the end.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { commitAll, fileUrl, git, registryRepo } from "../helpers/git-fixtures.ts";

setDefaultTimeout(120_000);

const HOSTILE = "com.opensentience.test.hostile";
const VICTIM = "com.opensentience.test.victim";
const FIXTURE = resolve(import.meta.dir, "../fixtures/agents/hostile");
const CANARY = `daemon-only-${crypto.randomUUID()}`;
const ENV_SECRET = `approved-env-${crypto.randomUUID()}`;
const PRELOAD_MARKER = "bunfig-preload-ran";
const FAKE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZSBrZXkgZm9yIHRlc3RzIG9ubHk=\n-----END OPENSSH PRIVATE KEY-----\n";

type Escape = { ok: boolean; detail: string; [k: string]: unknown };
type AuditRow = { action: string; outcome: string; details: Record<string, unknown> };

let box: Sandbox;
let dataHome: string;
let daemon: ServeHandle;
const hits = { tcp: 0, approved: 0, other: 0, abstract: 0 };
const ABSTRACT = `os-esc-${crypto.randomUUID()}`;
let abstractServer: Server;
let tcpPort = 0;
let approvedPort = 0;
let otherPort = 0;
const servers: Array<{ stop(force?: boolean): void }> = [];

const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });

/** The escape matrix: tool × phase → ok, printed after the run. */
const matrix = new Map<string, Record<string, string>>();
let phase = "A";

/**
 * Calls one hostile tool and records the outcome in the matrix. `judge` decides
 * from what the host sees when the agent's own report is not enough (a write
 * may land in the sandbox's private tmpfs, not in the real directory).
 */
async function attempt(name: string, tool: string, args: Record<string, unknown> = {}, judge?: (out: Escape) => { escaped: boolean; detail: string }): Promise<Escape> {
  const r = await run(["tools", "call", `${HOSTILE}/${tool}`, "--args", JSON.stringify(args), "--json"], 30_000);
  const out = r.json<{ output: Escape }>().output;
  const j = judge ? judge(out) : { escaped: out.ok, detail: String(out.detail) };
  note(name, j.escaped, j.detail);
  return out;
}

function note(name: string, escaped: boolean, detail: string): void {
  const row = matrix.get(name) ?? {};
  row[phase] = `${escaped ? "ESCAPED" : "blocked"} — ${detail.replace(/\s+/g, " ").slice(0, 150)}`;
  matrix.set(name, row);
}

/** write_home, judged by the host: did the file appear in the real home? */
async function writeHome(name: string): Promise<{ agent: Escape; onHost: boolean }> {
  const path = join(box.userHome, name);
  const agent = await attempt("write ~/<file>", "write_home", { home: box.userHome, name }, (out) => {
    const onHost = existsSync(path);
    return { escaped: onHost, detail: onHost ? out.detail : `not on the host (agent says: ${out.detail}${out.ok ? " — its private tmpfs view" : ""})` };
  });
  return { agent, onHost: existsSync(path) };
}

/** exec_via_loader: two rows, the file run directly and through ld.so. */
async function execOwnFile(): Promise<{ direct: boolean; viaLoader: boolean }> {
  const out = await attempt("exec own file via ld.so", "exec_via_loader");
  const direct = out.direct as Escape;
  note("exec own file directly", direct.ok, direct.detail);
  return { direct: direct.ok, viaLoader: out.ok };
}

const info = async () => (await run(["agents", "info", HOSTILE, "--json"])).json<{ runtime: { state: string; pid: number | null; restarts: number; sandboxed: boolean | null } }>();
const audit = async (action: string) => (await run(["audit", "--agent", HOSTILE, "--action", action, "--limit", "100", "--json"])).json<{ events: AuditRow[] }>().events;

/** The newest `agent.launch` row (the plan the current process runs with). */
async function lastLaunch(): Promise<Record<string, any>> {
  const rows = await audit("agent.launch");
  expect(rows.length).toBeGreaterThan(0);
  return rows[0]!.details;
}

async function restart(): Promise<number> {
  await run(["agents", "restart", HOSTILE, "--json"], 120_000);
  const st = (await info()).runtime;
  expect(st.state).toBe("running");
  return st.pid!;
}

/** Every escape that no approval may ever make work. */
async function neverReachable(): Promise<void> {
  for (const args of [{ data_home: dataHome }, {}]) {
    expect((await attempt("read <data>/admin.token", "read_admin_token", args)).ok).toBe(false);
    expect((await attempt("read <data>/catalog.db", "read_catalog", args)).ok).toBe(false);
  }
  const other = await attempt("list <data>/agents/<other id>", "list_other_agent", { data_home: dataHome, agent_id: VICTIM });
  expect(other.ok).toBe(false);
  expect(other.secret_readable).not.toBe(true);
  // Of the data directory only the agent's own pieces are there.
  if (Array.isArray(other.agents_seen)) expect(other.agents_seen).toEqual([HOSTILE]);
  const env = await attempt("read /proc/<daemon pid>/environ", "read_daemon_environ", { pid: daemon.pid, canary: CANARY });
  expect(env.ok).toBe(false);
  expect(env.canary_found_in).toEqual([]);
  expect(env.canary_in_own_env).toBe(false);
  expect((await attempt("read <data>/daemon.json", "read_file", { path: join(dataHome, "daemon.json") })).ok).toBe(false);
  expect((await attempt("read the agent's own log", "read_file", { path: join(dataHome, "logs", "agents", `${HOSTILE}.log`) })).ok).toBe(false);
  expect((await attempt("read admin.token via /proc/<daemon>/root", "read_file", { path: `/proc/${daemon.pid}/root${join(dataHome, "admin.token")}` })).ok).toBe(false);
  expect((await attempt("read /etc/shadow", "read_file", { path: "/etc/shadow" })).ok).toBe(false);
}

beforeAll(async () => {
  await binaryPath();
  // Loopback servers: a TCP banner (direct connections), an approved and a non-approved HTTP origin.
  const tcp = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        hits.tcp++;
        s.write("hello-from-host\n");
        s.end();
      },
      data() {},
    },
  });
  tcpPort = tcp.port;
  const approved = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits.approved++, new Response("approved-origin\n")) });
  const other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits.other++, new Response("other-origin\n")) });
  approvedPort = approved.port!;
  otherPort = other.port!;
  servers.push(tcp, approved, other);
  // An abstract Unix socket (no file; scoped by network namespace), like D-Bus or X11 use.
  abstractServer = createServer((s) => {
    hits.abstract++;
    s.end("hello-abstract\n");
  });
  await new Promise<void>((r) => abstractServer.listen(`\0${ABSTRACT}`, r));

  const base = makeSandbox({ prefix: "os-esc-" });
  // The default layout: the data directory inside the user's home.
  dataHome = join(base.userHome, ".opensentience");
  box = {
    ...base,
    home: dataHome,
    env: { ...base.env, OPENSENTIENCE_HOME: dataHome, DAEMON_ONLY_CANARY: CANARY, HOSTILE_CANARY: ENV_SECRET },
    daemonFile: () => {
      try {
        return JSON.parse(readFileSync(join(dataHome, "daemon.json"), "utf8"));
      } catch {
        return null;
      }
    },
  };
  mkdirSync(dataHome, { recursive: true, mode: 0o700 });
  writeFileSync(join(dataHome, "config.json"), JSON.stringify({ scan_roots: [], examples_registry: false, sandbox: "required", limits: { shutdown_grace_ms: 2000, restart_base_delay_ms: 200 } }));
  mkdirSync(join(base.userHome, ".ssh"), { mode: 0o700 });
  writeFileSync(join(base.userHome, ".ssh", "id_rsa"), FAKE_KEY, { mode: 0o600 });

  // The hostile agent as a git repo whose manifest names the approved origin's port, in a local registry.
  const src = join(base.dir, "hostile-agent");
  cpSync(FIXTURE, src, { recursive: true, filter: (s) => !/\/(_build|deps)(\/|$)/.test(s) });
  const manifestPath = join(src, "opensentience.agent.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  manifest.permissions = manifest.permissions.map((p: string) => (p === "network:egress:127.0.0.1:8080" ? `network:egress:127.0.0.1:${approvedPort}` : p));
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  // The exec step (the binary, inside bwrap, before Landlock) runs in the agent's checkout: if it read this
  // bunfig.toml, its preload would run the agent's code before the exec restriction is on.
  writeFileSync(join(src, "bunfig.toml"), 'preload = ["./preload.ts"]\n');
  writeFileSync(join(src, "preload.ts"), `require("node:fs").writeFileSync(process.env.HOME + "/${PRELOAD_MARKER}", "ran");\n`);
  writeFileSync(join(src, ".env"), "HOSTILE_DOTENV=1\n");
  git(src, "init", "-q");
  commitAll(src, "hostile agent");
  const reg = registryRepo(base.dir, { [`${HOSTILE}.json`]: { id: HOSTILE, git_url: fileUrl(src), default_ref: "main", manifest_path: "opensentience.agent.json", manifest } });

  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  await run(["agents", "install", HOSTILE, "--yes"], 300_000);
  await run(["agents", "enable", HOSTILE, "--approve-none"]);
  // Another agent's files, as an installed one would have them.
  mkdirSync(join(dataHome, "agents", VICTIM, "data"), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataHome, "agents", VICTIM, "data", "secret.txt"), "victim secret\n", { mode: 0o600 });
  daemon = await startServe({ sandbox: box });
}, 420_000);

afterAll(async () => {
  await stopAllDaemons();
  for (const s of servers) s.stop(true);
  abstractServer?.close();
  const phases = ["A", "B", "C", "D", "E"];
  const lines = [...matrix.entries()].map(([name, row]) => `${name}\n${phases.map((p) => `    ${p}: ${row[p] ?? "-"}`).join("\n")}`);
  console.log(`\nescape matrix (A none approved, B matching permissions, C + network:egress:*, D spawn and * revoked, E memory):\n${lines.join("\n")}\n`);
  box?.cleanup();
});

describe("A: nothing approved", () => {
  let pid = 0;

  test("the agent starts sandboxed; agent.launch records the plan", async () => {
    // What the agent is after exists on the host (so "no such file" inside means hidden).
    for (const f of ["admin.token", "catalog.db", "daemon.json"]) expect(existsSync(join(dataHome, f))).toBe(true);
    const st = (await run(["agents", "run", HOSTILE, "--json"], 120_000)).json<{ state: string; pid: number }>();
    expect(st.state).toBe("running");
    pid = st.pid;
    const d = await lastLaunch();
    expect(d.sandboxed).toBe(true);
    expect(d.policy).toBe("required");
    expect(d.network).toEqual({ mode: "none" });
    expect(d.spawn).toBe(false);
    expect(d.mounts).toContain("proc /proc");
    expect((d.mounts as string[]).some((m) => m.includes(".ssh"))).toBe(false);
    const alive = await attempt("alive", "alive");
    expect(alive.ok).toBe(true);
    expect(alive.hostname).toBe("agent");
    expect(alive.home).toBe(join(dataHome, "agents", HOSTILE, "data"));
  });

  test("the exec step does not read the agent checkout's bunfig.toml (a preload would run before Landlock)", async () => {
    expect((await lastLaunch()).spawn).toBe(false); // the step ran: no process:spawn
    const ran = existsSync(join(dataHome, "agents", HOSTILE, "data", PRELOAD_MARKER));
    note("bunfig.toml preload in the exec step", ran, ran ? "the checkout's preload ran" : "not read");
    expect(ran).toBe(false);
  });

  test("files: ~/.ssh, writing ~, env", async () => {
    expect((await attempt("read ~/.ssh/id_rsa", "read_ssh_key", { home: box.userHome })).ok).toBe(false);
    expect((await writeHome("pwned-A")).onHost).toBe(false);
    expect((await attempt("env:read HOSTILE_CANARY", "read_env", { name: "HOSTILE_CANARY" })).ok).toBe(false);
  });

  test("the data directory, other agents, the daemon's environment", neverReachable);

  test("network: direct TCP and HTTP through the proxy both fail", async () => {
    expect((await attempt("direct TCP 127.0.0.1", "tcp_connect", { port: tcpPort })).ok).toBe(false);
    expect((await attempt("HTTP GET approved host", "http_get", { url: `http://127.0.0.1:${approvedPort}/` })).ok).toBe(false);
    expect((await attempt("HTTP GET other host", "http_get", { url: `http://127.0.0.1:${otherPort}/` })).ok).toBe(false);
    expect((await attempt("CONNECT other host (raw, egress socket)", "http_get", { url: `http://127.0.0.1:${otherPort}/`, via: "connect" })).ok).toBe(false);
    expect((await attempt("abstract Unix socket on the host", "abstract_connect", { name: ABSTRACT })).ok).toBe(false);
    expect(hits).toEqual({ tcp: 0, approved: 0, other: 0, abstract: 0 });
  });

  test("programs: sh, :os.cmd, /usr/bin/env, a bounded fork bomb, a nested user namespace", async () => {
    expect((await attempt("System.cmd sh", "spawn_sh")).ok).toBe(false);
    expect((await attempt(":os.cmd", "os_cmd")).ok).toBe(false);
    expect((await attempt("Port /usr/bin/env", "port_env")).ok).toBe(false);
    const bomb = await attempt("fork bomb (32)", "fork_bomb", { n: 32 });
    expect(bomb.ok).toBe(false);
    expect(bomb.started).toBe(0);
    expect((await attempt("nested user namespace", "nested_userns")).ok).toBe(false);
  });

  let execOwn = { direct: true, viaLoader: true };
  test("a file the agent wrote cannot be executed directly", async () => {
    execOwn = await execOwnFile();
    expect(execOwn.direct).toBe(false);
  });

  // KNOWN GAP: the dynamic loader must be executable for ERTS to start, and
  // `ld.so FILE` maps FILE with mmap, which Landlock's EXECUTE right does not
  // cover — so any ELF the agent can read or write runs without process:spawn.
  // (Fails today, so `test.failing` passes; it turns red once the gap is closed.)
  test.failing("…nor through the dynamic loader (KNOWN GAP: Landlock EXECUTE does not cover `ld.so FILE`)", () => {
    expect(execOwn.viaLoader).toBe(false);
  });

  test("after every attempt the agent is still the same running process", async () => {
    const { runtime } = await info();
    expect(runtime.state).toBe("running");
    expect(runtime.pid).toBe(pid);
    expect(runtime.restarts).toBe(0);
    expect(runtime.sandboxed).toBe(true);
    expect((await attempt("alive", "alive")).ok).toBe(true);
  });
});

describe("B: each matching permission approved", () => {
  test("approve and restart: the plan grants exactly those", async () => {
    // The host's /proc is never grantable: asking for it is refused where the user decides, and nothing is approved.
    const procRefused = await runBinary(["agents", "enable", HOSTILE, "--approve", "filesystem:read:/proc"], { sandbox: box });
    expect(procRefused.code).toBe(1);
    expect(procRefused.stderr).toContain("kernel interface");
    const perms = ["filesystem:read:~/.ssh", "filesystem:write:~", `network:egress:127.0.0.1:${approvedPort}`, "process:spawn", "env:read:HOSTILE_CANARY"];
    await run(["agents", "enable", HOSTILE, "--approve", perms.join(",")]);
    phase = "B";
    await restart();
    const d = await lastLaunch();
    expect(d.sandboxed).toBe(true);
    expect(d.network).toEqual({ mode: "proxy", allow: [`127.0.0.1:${approvedPort}`] });
    expect(d.spawn).toBe(true);
    const mounts = d.mounts as string[];
    expect(mounts).toContain(`ro ${join(box.userHome, ".ssh")}`);
    expect(mounts).toContain(`rw ${box.userHome}`);
    // The data directory under the approved home is masked, the agent's own pieces put back.
    expect(mounts).toContain(`tmpfs ${dataHome}`);
  });

  test("files: ~/.ssh readable, ~ writable, the approved variable present", async () => {
    const key = await attempt("read ~/.ssh/id_rsa", "read_ssh_key", { home: box.userHome });
    expect(key.ok).toBe(true);
    expect(key.bytes).toBe(FAKE_KEY.length);
    expect((await writeHome("pwned-B")).onHost).toBe(true);
    expect(readFileSync(join(box.userHome, "pwned-B"), "utf8")).toBe("written by the hostile agent\n");
    expect((await attempt("env:read HOSTILE_CANARY", "read_env", { name: "HOSTILE_CANARY" })).ok).toBe(true);
  });

  test("still never: the data directory, other agents, the daemon's environment (with ~ approved)", neverReachable);

  // Was a gap (the host's /proc could be granted); now refused at approval, so the agent sees only its own namespace.
  test("the host's processes are not visible (own PID namespace, /proc not grantable)", async () => {
    const env = await attempt("see the daemon in /proc (pid, cmdline)", "read_daemon_environ", { pid: daemon.pid, canary: CANARY }, (out) => ({
      escaped: out.pid_visible === true,
      detail: `pid visible: ${out.pid_visible}, cmdline readable: ${out.cmdline_readable}, ${out.visible_pids} pids visible, ${out.readable_environs} environs readable`,
    }));
    expect(env.pid_visible).toBe(false);
  });

  test("network: the approved origin through the proxy; another port is refused and audited; direct TCP still fails", async () => {
    const ok = await attempt("HTTP GET approved host", "http_get", { url: `http://127.0.0.1:${approvedPort}/` });
    expect(ok.ok).toBe(true);
    expect(ok.body).toBe("approved-origin\n");
    const denied = await attempt("HTTP GET other host", "http_get", { url: `http://127.0.0.1:${otherPort}/` });
    expect(denied.ok).toBe(false);
    expect(denied.status).toBe(403);
    // The approval names an address, not a name that resolves to it.
    const byName = await attempt("HTTP GET approved port as localhost", "http_get", { url: `http://localhost:${approvedPort}/` });
    expect(byName.ok).toBe(false);
    expect(byName.status).toBe(403);
    // Code that skips the SDK and talks to the egress socket itself meets the same allow-list.
    const raw = await attempt("GET approved host (raw, egress socket)", "http_get", { url: `http://127.0.0.1:${approvedPort}/`, via: "socket" });
    expect(raw.ok).toBe(true);
    expect((await attempt("GET other host (raw, egress socket)", "http_get", { url: `http://127.0.0.1:${otherPort}/`, via: "socket" })).status).toBe(403);
    const tunnel = await attempt("CONNECT approved host (raw, egress socket)", "http_get", { url: `http://127.0.0.1:${approvedPort}/`, via: "connect" });
    expect(tunnel.ok).toBe(true);
    const refusedTunnel = await attempt("CONNECT other host (raw, egress socket)", "http_get", { url: `http://127.0.0.1:${otherPort}/`, via: "connect" });
    expect(refusedTunnel.ok).toBe(false);
    expect(refusedTunnel.status).toBe(403);
    expect((await attempt("direct TCP 127.0.0.1", "tcp_connect", { port: tcpPort })).ok).toBe(false);
    expect((await attempt("abstract Unix socket on the host", "abstract_connect", { name: ABSTRACT })).ok).toBe(false);
    expect(hits).toEqual({ tcp: 0, approved: 3, other: 0, abstract: 0 });
    const refused = await audit("agent.egress_denied");
    expect(refused.some((e) => e.details.host === "127.0.0.1" && e.details.port === otherPort && e.outcome === "denied")).toBe(true);
    expect(refused.some((e) => e.details.host === "localhost" && e.details.port === approvedPort)).toBe(true);
  });

  test("programs: sh, :os.cmd, /usr/bin/env and a bounded fork bomb work with process:spawn", async () => {
    expect((await attempt("System.cmd sh", "spawn_sh")).ok).toBe(true);
    expect((await attempt(":os.cmd", "os_cmd")).ok).toBe(true);
    expect((await attempt("Port /usr/bin/env", "port_env")).ok).toBe(true);
    const bomb = await attempt("fork bomb (32)", "fork_bomb", { n: 32 });
    expect(bomb.started).toBe(32);
    const exec = await execOwnFile();
    expect(exec.direct && exec.viaLoader).toBe(true);
    // Even with programs allowed, no nested user namespace (--disable-userns): no way back to capabilities.
    expect((await attempt("nested user namespace", "nested_userns")).ok).toBe(false);
    expect((await info()).runtime.state).toBe("running");
  });
});

describe("C: network:egress:* approved", () => {
  let loopback: Escape;
  let abstract: Escape;

  test("the host's network namespace; the data directory, other agents and the daemon's environment still not", async () => {
    await run(["agents", "enable", HOSTILE, "--approve", "network:egress:*"]);
    phase = "C";
    await restart();
    expect((await lastLaunch()).network).toEqual({ mode: "host" });
    loopback = await attempt("direct TCP 127.0.0.1", "tcp_connect", { port: tcpPort });
    abstract = await attempt("abstract Unix socket on the host", "abstract_connect", { name: ABSTRACT });
    await neverReachable();
  });

  // KNOWN GAP: through the proxy, `*` means "any PUBLIC destination" (egress-policy.ts
  // refuses loopback, LAN, link-local). The plan turns `*` into the host's network
  // namespace instead, where nothing is filtered: the host's loopback services
  // (databases, the daemon's own port), the LAN, 169.254.169.254 and abstract Unix
  // sockets (D-Bus, X11) are all reachable.
  test.failing("network:egress:* reaches neither the host's loopback nor its abstract Unix sockets (KNOWN GAP: host network mode)", () => {
    expect(loopback.ok).toBe(false);
    expect(abstract.ok).toBe(false);
  });
});

describe("D: process:spawn and network:egress:* revoked", () => {
  test("revoke stops the agent; started again, programs and direct connections are refused again", async () => {
    await run(["agents", "revoke", HOSTILE, "process:spawn"]);
    await run(["agents", "revoke", HOSTILE, "network:egress:*"]);
    expect((await info()).runtime.state).toBe("stopped");
    phase = "D";
    await run(["agents", "run", HOSTILE, "--json"], 120_000);
    const d = await lastLaunch();
    expect(d.spawn).toBe(false);
    expect(d.network).toEqual({ mode: "proxy", allow: [`127.0.0.1:${approvedPort}`] });
    expect((await attempt("System.cmd sh", "spawn_sh")).ok).toBe(false);
    expect((await attempt(":os.cmd", "os_cmd")).ok).toBe(false);
    expect((await attempt("fork bomb (32)", "fork_bomb", { n: 32 })).started).toBe(0);
    expect((await attempt("direct TCP 127.0.0.1", "tcp_connect", { port: tcpPort })).ok).toBe(false);
    expect((await attempt("read ~/.ssh/id_rsa", "read_ssh_key", { home: box.userHome })).ok).toBe(true);
    const rows = await audit("agent.launch");
    expect(rows.length).toBe(4);
    expect(rows.every((r) => r.details.sandboxed === true && r.details.policy === "required")).toBe(true);
    expect((await info()).runtime.state).toBe("running");
  });
});

describe("E: memory", () => {
  // The fixture's manifest asks for resources.memory_mb = 512 (a manifest may only tighten the operator's cap).
  test("allocating past the memory limit ends the agent, where a memory limit is enforced (else skipped, and said so)", async () => {
    type Limits = { memoryMb: number; enforced: { memory: string | null }; notes?: string[] };
    const view = (await run(["agents", "info", HOSTILE, "--json"])).json<{ sandbox: { limits?: Limits | null } | null }>().sandbox;
    const limits = view?.limits ?? null;
    phase = "E";
    if (!limits?.enforced?.memory) {
      const why = limits ? `memory ${limits.memoryMb} MB is not enforced here: ${(limits.notes ?? []).join("; ") || "no mechanism"}` : "the sandbox view has no resource limits";
      note("allocate past the memory limit", false, `SKIPPED — ${why}`);
      console.log(`memory escape skipped: ${why}`);
      return;
    }
    const before = (await info()).runtime.pid;
    const r = await runBinary(["tools", "call", `${HOSTILE}/alloc`, "--args", JSON.stringify({ mb: limits.memoryMb + 256 }), "--json"], { sandbox: box, timeoutMs: 60_000 });
    const out = r.code === 0 ? r.json<{ output: Escape }>().output : null;
    note("allocate past the memory limit", out?.ok === true, out ? out.detail : `call failed: ${r.stderr.trim()} (limit ${limits.memoryMb} MB, ${limits.enforced.memory})`);
    expect(out?.ok).not.toBe(true);
    await waitFor(async () => (await audit("agent.oom")).length > 0, { timeoutMs: 30_000, what: "agent.oom in the audit log" });
    const back = await waitFor(async () => {
      const st = (await info()).runtime;
      return st.state === "running" && st.pid !== before ? st : null;
    }, { timeoutMs: 60_000, what: "the agent restarted after the OOM kill" });
    expect(back.sandboxed).toBe(true);
  });
});
