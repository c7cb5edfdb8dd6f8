/**
 * `opensentience mcp`: MCP on stdin/stdout for one local MCP client, bridged
 * to the running daemon through its typed client. The daemon does the work
 * (listing through `GET /mcp/tools`, every call through the router with
 * `mcp` as the caller); this process starts nothing. It follows the daemon's
 * `GET /tools/events` stream to send `notifications/tools/list_changed`,
 * reconnecting with backoff if the daemon restarts. Nothing but MCP is ever
 * written to stdout; it ends when stdin closes.
 */
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { DaemonClient } from "../client/daemon-client.ts";
import { toAppError } from "../core/errors.ts";
import { createMcpServer, listChangedNotifier, type McpBackend } from "./server.ts";
import type { CallEnd } from "./tool-view.ts";

export interface StdioBridgeOptions {
  client: DaemonClient;
  /** Borrow this client token's scope (and name, in the audit log). */
  tokenName?: string;
  stdin?: Readable;
  stdout?: Writable;
  /** Diagnostics: to stderr, never stdout. */
  warn(line: string): void;
}

/** The daemon's HTTP API as an MCP backend. */
export function daemonApiBackend(client: DaemonClient, tokenName: string | undefined): McpBackend {
  return {
    listTools: async () => (await client.mcpTools(tokenName)).tools,
    async callTool(c): Promise<CallEnd> {
      const mcp = { ...(tokenName ? { token_name: tokenName } : {}), ...(c.client ? { client: { name: c.client.name.slice(0, 200), version: c.client.version.slice(0, 100) } } : {}) };
      try {
        for await (const line of client.callToolStreamed({ tool: c.toolId, arguments: c.arguments, mcp }, c.signal)) {
          if (line.type === "progress") c.onProgress?.(line.seq, line.chunk);
          else if (line.type === "result") return { ok: true, output: line.output };
          else return { ok: false, error: line.error };
        }
      } catch (e) {
        const err = toAppError(e);
        return { ok: false, error: { code: err.code, message: err.message } };
      }
      return c.signal.aborted ? { ok: false, error: { code: "canceled", message: "canceled by the client" } } : { ok: false, error: { code: "internal", message: "the daemon closed the call without a result" } };
    },
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/** Calls `changed` for every change of the daemon's tool set, and after reconnecting (changes may have been missed). */
async function followToolEvents(client: DaemonClient, changed: () => void, warn: (l: string) => void, signal: AbortSignal): Promise<void> {
  let delay = 500;
  let connectedBefore = false;
  while (!signal.aborted) {
    try {
      for await (const ev of client.toolEvents(signal)) {
        if (ev.type === "ready") {
          if (connectedBefore) changed();
          connectedBefore = true;
          delay = 500;
        } else if (ev.type === "tools.changed") changed();
      }
    } catch (e) {
      if (signal.aborted) return;
      if (delay === 500) warn(`opensentience mcp: lost the daemon's tool events (${toAppError(e).message}); retrying`);
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Serves MCP on stdio until the client closes stdin. */
export async function runStdioBridge(opts: StdioBridgeOptions): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const server = createMcpServer(daemonApiBackend(opts.client, opts.tokenName));
  const notifier = listChangedNotifier(server);
  const stop = new AbortController();
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  const transport = new StdioServerTransport(stdin, opts.stdout ?? process.stdout);
  await server.connect(transport);
  const end = () => void server.close().catch(() => {});
  stdin.once("end", end);
  stdin.once("close", end);
  const events = followToolEvents(opts.client, () => notifier.changed(), opts.warn, stop.signal);
  await closed;
  notifier.stop();
  stop.abort();
  await events;
}
