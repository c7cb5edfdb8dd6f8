/**
 * Done-when for the MCP bridge (issue 14): the COMPILED binary serving the
 * real Elixir echo agent to the official MCP SDK's own Client, over stdio
 * (`opensentience mcp` spawned by StdioClientTransport) and over Streamable
 * HTTP (`/mcp` with a client token). Both go through the router: listing,
 * calls, schema and permission refusals as tool errors, progress
 * notifications, cancellation that reaches the agent (it logs it), scoped
 * tokens, list_changed when the agent stops, and the HTTP defences (Origin,
 * no token, the admin token, a revoked token). Every call is in the audit log
 * as `mcp` with the client's name and version.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { binaryPath, makeSandbox, runBinary, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons, waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { loginOverHttp } from "../helpers/web-daemon.ts";

const ECHO = "com.opensentience.examples.echo";
const N = {
  echo: "com_opensentience_examples_echo__echo",
  slow: "com_opensentience_examples_echo__slow_count",
  secret: "com_opensentience_examples_echo__read_secret",
};
const REPO = resolve(import.meta.dir, "../..");
let box: Sandbox;
let daemon: ServeHandle;
let fullToken: string;
let narrowToken: string;
const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });

interface Connected {
  client: Client;
  listChanged: number;
  close(): Promise<void>;
}

async function connectHttp(token: string, name = "e2e-http"): Promise<Connected> {
  const client = new Client({ name, version: "1.2.3" });
  const c: Connected = { client, listChanged: 0, close: () => client.close() };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void c.listChanged++);
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", daemon.info.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return c;
}

async function connectStdio(args: string[] = [], name = "e2e-stdio"): Promise<Connected> {
  const client = new Client({ name, version: "4.5.6" });
  const c: Connected = { client, listChanged: 0, close: () => client.close() };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void c.listChanged++);
  await client.connect(new StdioClientTransport({ command: await binaryPath(), args: ["mcp", ...args], env: box.env, cwd: box.cwd, stderr: "pipe" }));
  return c;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("");

interface AuditRow {
  actor: string;
  action: string;
  outcome: string;
  requestId: string | null;
  details: { tool?: string; error?: string; caller?: { kind: string; id: string; client?: { name: string; version: string } } };
}
const mcpCalls = async () =>
  (await run(["audit", "--action", "tool.call", "--limit", "500", "--json"])).json<{ events: AuditRow[] }>().events.filter((e) => e.actor === "mcp");

let http: Connected;
let stdio: Connected;

beforeAll(async () => {
  await binaryPath();
  box = makeSandbox({ prefix: "os-mcp-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], limits: { heartbeat_interval_ms: 1000, shutdown_grace_ms: 2000 } }));
  const reg = publishExamples(box.dir, [ECHO]);
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  await run(["agents", "install", ECHO, "--yes"], 240_000);
  // Enabled without approving env:read:ECHO_EXAMPLE_SECRET: read_secret stays blocked.
  await run(["agents", "enable", ECHO, "--approve-none"]);
  daemon = await startServe({ sandbox: box });
  await run(["agents", "run", ECHO]);
  fullToken = (await run(["token", "create", "full", "--tools", `${ECHO}/*`])).stdout.trim();
  narrowToken = (await run(["token", "create", "narrow", "--tools", `${ECHO}/echo`, "--json"])).json<{ token: string }>().token;
  http = await connectHttp(fullToken);
  stdio = await connectStdio();
}, 300_000);

afterAll(async () => {
  await http?.close().catch(() => {});
  await stdio?.close().catch(() => {});
  await stopAllDaemons();
  box?.cleanup();
});

describe.each([
  ["stdio", () => stdio],
  ["http", () => http],
] as const)("MCP over %s", (_kind, conn) => {
  test("lists the running agent's tools with schemas and readable, rule-abiding names", async () => {
    const { tools } = await conn().client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain(N.echo);
    expect(names).toContain(N.slow);
    for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const echo = tools.find((t) => t.name === N.echo)!;
    expect(echo.title).toBe(`${ECHO}/echo`);
    expect(echo.inputSchema).toMatchObject({ type: "object", required: ["text"] });
    expect(echo.outputSchema).toMatchObject({ type: "object" });
  });

  test("a call returns structuredContent and its text rendering", async () => {
    const r = (await conn().client.callTool({ name: N.echo, arguments: { text: "héllo mcp" } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ text: "héllo mcp" });
    expect(JSON.parse(text(r))).toEqual({ text: "héllo mcp" });
  });

  test("arguments failing the schema, and an unapproved permission, are tool errors", async () => {
    const bad = (await conn().client.callTool({ name: N.echo, arguments: { text: 5 } })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("invalid_argument:");
    expect(text(bad)).toContain("do not match the input schema");
    const denied = (await conn().client.callTool({ name: N.secret, arguments: {} })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain("permission_denied");
    expect(text(denied)).toContain("env:read:ECHO_EXAMPLE_SECRET");
  });

  test("a name this mapping never produces is a protocol error", async () => {
    await expect(conn().client.callTool({ name: "no-such-tool", arguments: {} })).rejects.toThrow(/Unknown tool/);
  });

  test("a streaming tool's progress arrives as notifications/progress", async () => {
    const seen: Array<{ progress: number; message?: string }> = [];
    const r = (await conn().client.callTool({ name: N.slow, arguments: { n: 4, interval_ms: 30 } }, undefined, { onprogress: (p) => void seen.push(p) })) as CallToolResult;
    expect(r.structuredContent).toEqual({ count: 4 });
    // The server sends all four, in order, before the result. The SDK's Client handles notifications a
    // microtask later than responses, so a last one read together with the result can be dropped on the
    // client side (modelcontextprotocol/typescript-sdk#2580); the earlier ones are 30 ms apart.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4].slice(0, seen.length));
    expect(seen.map((p) => JSON.parse(p.message!))).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }].slice(0, seen.length));
  });

  test("cancelling mid-stream cancels the routed call, and the agent observes it", async () => {
    const ac = new AbortController();
    let got = 0;
    const call = conn().client.callTool({ name: N.slow, arguments: { n: 1000, interval_ms: 50 } }, undefined, {
      signal: ac.signal,
      onprogress: () => {
        if (++got === 2) ac.abort();
      },
    });
    await expect(call).rejects.toThrow();
    const clientName = _kind === "http" ? "e2e-http" : "e2e-stdio";
    const row = await waitFor(async () => (await mcpCalls()).find((e) => e.details.error === "canceled" && e.details.caller?.client?.name === clientName && e.details.tool === `${ECHO}/slow_count`), {
      timeoutMs: 15_000,
      what: "canceled mcp call in the audit log",
    });
    // The agent's own log line for this request id: the cancel reached the tool inside the agent.
    await waitFor(
      async () => (await run(["agents", "logs", ECHO, "--tail", "500", "--json"])).stdout.split("\n").some((l) => l.includes("slow_count canceled at") && l.includes(row.requestId!)),
      { timeoutMs: 15_000, what: "the agent logging the cancel" },
    );
  });
});

describe("scoped client tokens", () => {
  test("over HTTP: only the scope is listed; a call outside it is permission_denied", async () => {
    const c = await connectHttp(narrowToken, "e2e-narrow");
    try {
      expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual([N.echo]);
      const ok = (await c.client.callTool({ name: N.echo, arguments: { text: "in scope" } })) as CallToolResult;
      expect(ok.structuredContent).toEqual({ text: "in scope" });
      const out = (await c.client.callTool({ name: N.slow, arguments: { n: 1 } })) as CallToolResult;
      expect(out.isError).toBe(true);
      expect(text(out)).toContain("permission_denied");
      expect(text(out)).toContain("outside this client token's scope");
    } finally {
      await c.close();
    }
  });

  test("over stdio with --token-name: the same scope applies", async () => {
    const c = await connectStdio(["--token-name", "narrow"], "e2e-stdio-narrow");
    try {
      expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual([N.echo]);
      const out = (await c.client.callTool({ name: N.slow, arguments: { n: 1 } })) as CallToolResult;
      expect(text(out)).toContain("permission_denied");
    } finally {
      await c.close();
    }
  });

  test("token list shows last use and the client; an unknown --token-name fails on stderr only", async () => {
    const { tokens } = (await run(["token", "list", "--json"])).json<{ tokens: Array<{ name: string; lastUsedAt: string | null; lastClient: string | null }> }>();
    expect(tokens.map((t) => t.name)).toEqual(["full", "narrow"]);
    expect(tokens.find((t) => t.name === "full")!.lastClient).toBe("e2e-http/1.2.3");
    expect(tokens.find((t) => t.name === "narrow")!.lastUsedAt).not.toBeNull();
    const r = await runBinary(["mcp", "--token-name", "nope"], { sandbox: box });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no client token named 'nope'");
  });
});

describe("HTTP defences on /mcp", () => {
  const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
  const post = (headers: Record<string, string>) =>
    fetch(new URL("/mcp", daemon.info.url), { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: init });

  test("a foreign Origin is refused even with a valid token; no CORS", async () => {
    const r = await post({ authorization: `Bearer ${fullToken}`, origin: "http://evil.example" });
    expect(r.status).toBe(403);
    const cors: string[] = [];
    r.headers.forEach((_v, k) => void (k.startsWith("access-control-") && cors.push(k)));
    expect(cors).toEqual([]);
    const pre = await fetch(new URL("/mcp", daemon.info.url), { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(403);
  });

  test("no token, a bad token, the admin token, or only a session cookie: 401", async () => {
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer osct_not-a-real-token" })).status).toBe(401);
    const admin = await post({ authorization: `Bearer ${(await Bun.file(join(box.home, "admin.token")).text()).trim()}` });
    expect(admin.status).toBe(401);
    expect(await admin.text()).toContain("admin token is not accepted");
    expect((await post({ cookie: `os_session_${new URL(daemon.info.url).port}=whatever` })).status).toBe(401);
  });

  test("a foreign Host is refused (DNS rebinding)", async () => {
    const port = Number(new URL(daemon.info.url).port);
    const res = await rawRequest(port, ["POST /mcp HTTP/1.1", `Host: evil.example:${port}`, `Authorization: Bearer ${fullToken}`, "Content-Type: application/json"], init);
    expect(res.status).toBe(403);
  });

  test("a valid token with our own Origin opens a session", async () => {
    const r = await post({ authorization: `Bearer ${fullToken}`, origin: new URL(daemon.info.url).origin });
    expect(r.status).toBe(200);
    expect(r.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/);
    await r.body?.cancel();
  });
});

describe("tool list changes and revocation", () => {
  test("agents stop → notifications/tools/list_changed on both transports, and the tools are gone", async () => {
    const before = { http: http.listChanged, stdio: stdio.listChanged };
    await run(["agents", "stop", ECHO]);
    await waitFor(() => http.listChanged > before.http && stdio.listChanged > before.stdio, { timeoutMs: 15_000, what: "list_changed after stop" });
    expect((await http.client.listTools()).tools).toEqual([]);
    expect((await stdio.client.listTools()).tools).toEqual([]);
    const gone = (await stdio.client.callTool({ name: N.echo, arguments: { text: "x" } })) as CallToolResult;
    expect(gone.isError).toBe(true);
    expect(text(gone)).toMatch(/agent_unavailable|unknown_tool/);
    const mid = { http: http.listChanged, stdio: stdio.listChanged };
    await run(["agents", "run", ECHO]);
    await waitFor(() => http.listChanged > mid.http && stdio.listChanged > mid.stdio, { timeoutMs: 30_000, what: "list_changed after run" });
    expect((await http.client.listTools()).tools.map((t) => t.name)).toContain(N.echo);
  }, 60_000);

  test("every MCP call is audited as mcp with the client's name and version", async () => {
    const rows = await mcpCalls();
    const callers = new Set(rows.map((e) => `${e.details.caller?.kind}:${e.details.caller?.id}:${e.details.caller?.client?.name}/${e.details.caller?.client?.version}`));
    expect(callers).toContain("mcp:full:e2e-http/1.2.3");
    expect(callers).toContain("mcp:stdio:e2e-stdio/4.5.6");
    expect(callers).toContain("mcp:narrow:e2e-narrow/1.2.3");
    expect(callers).toContain("mcp:narrow:e2e-stdio-narrow/4.5.6");
    const outcomes = new Set(rows.map((e) => `${e.outcome}:${e.details.error ?? "ok"}`));
    for (const o of ["ok:ok", "error:invalid_arguments", "denied:permission_denied", "error:canceled"]) expect(outcomes).toContain(o);
  });

  test("revoking a token ends its session at once; the token is refused afterwards", async () => {
    await run(["token", "revoke", "full"]);
    await expect(http.client.listTools()).rejects.toThrow();
    const r = await fetch(new URL("/mcp", daemon.info.url), { method: "POST", headers: { authorization: `Bearer ${fullToken}`, "content-type": "application/json" }, body: "{}" });
    expect(r.status).toBe(401);
    const audit = (await run(["audit", "--action", "client_token.revoke", "--json"])).json<{ events: AuditRow[] }>().events;
    expect(audit.map((e) => e.actor)).toEqual(["cli"]);
  });

  test("the admin UI lists client tokens with their last use and revokes one (CSRF-protected form)", async () => {
    const port = Number(new URL(daemon.info.url).port);
    const loginUrl = (await run(["token", "--json"])).json<{ login_url: string }>().login_url;
    const ui = await loginOverHttp({ url: daemon.info.url, port, loginUrl });
    const page = await (await fetch(new URL("/clients", daemon.info.url), { headers: { cookie: ui.cookie } })).text();
    expect(page).toContain('data-token="narrow"');
    expect(page).toContain("e2e-stdio-narrow/4.5.6");
    const action = new URL("/actions/client-tokens/narrow/revoke", daemon.info.url);
    const form = (csrf: string) => ({ method: "POST", redirect: "manual" as const, headers: { cookie: ui.cookie, origin: new URL(daemon.info.url).origin, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${csrf}` });
    expect((await fetch(action, form("0".repeat(64)))).status).toBe(403);
    const ok = await fetch(action, form(ui.csrf));
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/clients?revoked=narrow");
    expect((await run(["token", "list", "--json"])).json<{ tokens: unknown[] }>().tokens).toEqual([]);
    const audit = (await run(["audit", "--action", "client_token.revoke", "--json"])).json<{ events: AuditRow[] }>().events;
    expect(audit.map((e) => e.actor)).toEqual(["ui", "cli"]);
  });

  test("without a daemon, opensentience mcp fails with one line on stderr and nothing on stdout", async () => {
    await stdio.close();
    expect(await daemon.stop("SIGTERM")).toBe(0);
    const r = await runBinary(["mcp"], { sandbox: box, stdin: "" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("daemon is not running");
  });
});
