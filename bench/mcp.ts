#!/usr/bin/env bun
/**
 * One `echo` tool call through the MCP bridge, against a plain MCP SDK stdio
 * server doing the same echo in-process. All three are driven by the official
 * SDK's Client, one call at a time:
 *
 *   - baseline: bench/mcp-echo-peer.ts over stdio (no daemon, no router, no agent);
 *   - /mcp:  Streamable HTTP to the daemon (client token) → router → the real Elixir echo agent;
 *   - stdio: `opensentience mcp` (the compiled binary) → the daemon's HTTP API → router → agent.
 *
 *   bun bench/mcp.ts [calls=2000]
 *
 * Uses the compiled binary (built if stale; OPENSENTIENCE_BIN pins one) in a
 * throw-away data directory, with the example registry published locally.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { binaryPath, makeSandbox, runOk, startServe, stopAllDaemons } from "../test/helpers/binary.ts";
import { publishExamples } from "../test/helpers/git-fixtures.ts";

const N = Number(process.argv[2] ?? 2000);
const ECHO = "com.opensentience.examples.echo";
const REPO = resolve(import.meta.dir, "..");

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const rows: Array<{ name: string; perSec: number; p50: number; p99: number }> = [];

/** 200 warm-up calls, then N timed ones, sequentially. */
async function timed(name: string, call: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < 200; i++) await call(i);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await call(i);
    lat.push((performance.now() - s) * 1000);
  }
  rows.push({ name, perSec: (N / (performance.now() - t0)) * 1000, p50: pct(lat, 50), p99: pct(lat, 99) });
}

/** The official SDK's Client over `transport`, calling `tool`. */
async function measure(name: string, transport: Transport, tool: string): Promise<void> {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  await timed(name, async (i) => {
    const r = await client.callTool({ name: tool, arguments: { text: `hello ${i}` } });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  });
  await client.close();
}

const box = makeSandbox({ prefix: "os-bench-mcp-", env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
try {
  const bin = await binaryPath();
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.home, "config.json"), JSON.stringify({ scan_roots: [], limits: { calls_per_minute: 1_000_000 } }));
  const run = (args: string[]) => runOk(args, { sandbox: box, timeoutMs: 300_000 });
  await run(["registry", "add", "local", publishExamples(box.dir, [ECHO]).url]);
  await run(["registry", "sync"]);
  await run(["agents", "install", ECHO, "--yes"]);
  await run(["agents", "enable", ECHO, "--approve-all"]);
  const daemon = await startServe({ sandbox: box });
  await run(["agents", "run", ECHO]);
  const token = (await run(["token", "create", "bench", "--tools", `${ECHO}/*`])).stdout.trim();
  const tool = "com_opensentience_examples_echo__echo";

  await measure("plain MCP SDK stdio server, echo in-process", new StdioClientTransport({ command: process.execPath, args: [join(import.meta.dir, "mcp-echo-peer.ts")], stderr: "inherit" }), "echo");
  // Reference without MCP: the daemon's JSON API, same router, same agent.
  const admin = (await Bun.file(join(box.home, "admin.token")).text()).trim();
  await timed("reference: POST /api/v1/tools/call (JSON API, no MCP)", async (i) => {
    const r = await fetch(new URL("/api/v1/tools/call", daemon.info.url), {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: `hello ${i}` } }),
    });
    if (!r.ok) throw new Error(`JSON API: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  });
  await measure("/mcp (Streamable HTTP) → router → Elixir echo", new StreamableHTTPClientTransport(new URL("/mcp", daemon.info.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }), tool);
  await measure("opensentience mcp (stdio) → daemon → router → Elixir echo", new StdioClientTransport({ command: bin, args: ["mcp"], env: box.env, cwd: box.cwd, stderr: "inherit" }), tool);
} finally {
  await stopAllDaemons();
  box.cleanup();
}

const head = ["path", "calls", "calls/s", "p50", "p99"];
const table = [head, ...rows.map((r) => [r.name, String(N), Math.round(r.perSec).toLocaleString(), `${(r.p50 / 1000).toFixed(2)} ms`, `${(r.p99 / 1000).toFixed(2)} ms`])];
const w = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
console.log(table.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ")).join("\n"));
const base = rows[0]!;
console.log("");
for (const r of rows.slice(1)) if (!r.name.startsWith("reference")) console.log(`ratio: ${r.name} takes ${(base.perSec / r.perSec).toFixed(2)}× the baseline's time per call (p50 ${(r.p50 / base.p50).toFixed(2)}×)`);
console.log(`\n(every bridged call is scope-, schema- and permission-checked by the router and written to the audit log)\nreproduce: bun bench/mcp.ts ${N}`);
