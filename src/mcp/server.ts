/**
 * One MCP server (the official SDK's low-level `Server`) over a backend that
 * lists and routes tools: the daemon itself for `/mcp`, the daemon's HTTP API
 * for `opensentience mcp`. Every call goes through the router; this file only
 * translates: MCP names ↔ tool ids (tool-names.ts), results and errors
 * (tool-view.ts), progress (`notifications/progress`, when the client sent a
 * progressToken) and cancellation (`notifications/cancelled` aborts the
 * handler's signal, which cancels the routed call).
 *
 * Resources and prompts are not offered: agents have neither.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpToolView } from "../contract/mcp.ts";
import { VERSION } from "../version.ts";
import { toolIdOfMcpName } from "./tool-names.ts";
import { type CallEnd, mcpToolResult, progressMessage } from "./tool-view.ts";

export interface ClientInfo {
  name: string;
  version: string;
}

export interface McpCall {
  toolId: string;
  arguments: Record<string, unknown>;
  /** What the client announced in `initialize` (audited with the call). */
  client: ClientInfo | undefined;
  signal: AbortSignal;
  onProgress?(seq: number, chunk: unknown): void;
}

/** Where the tools are: listed for this client (already scoped) and routed through the router. */
export interface McpBackend {
  listTools(): Promise<McpToolView[]>;
  callTool(call: McpCall): Promise<CallEnd>;
}

export const SERVER_INSTRUCTIONS =
  "Tools of the agents running in OpenSentience. Each tool name encodes `<agent_id>/<tool>` (the tool's title); every call is checked (permissions, input schema, limits) and audited by the OpenSentience daemon.";

function asMcpTool(v: McpToolView): Tool {
  return {
    name: v.name,
    title: v.title,
    description: v.description,
    inputSchema: v.inputSchema as Tool["inputSchema"],
    ...(v.outputSchema ? { outputSchema: v.outputSchema as NonNullable<Tool["outputSchema"]> } : {}),
    _meta: { "io.opensentience/tool_id": v.id },
  };
}

export function createMcpServer(backend: McpBackend): Server {
  const server = new Server({ name: "opensentience", title: "OpenSentience", version: VERSION }, { capabilities: { tools: { listChanged: true } }, instructions: SERVER_INSTRUCTIONS });
  /** The last list this client got, by MCP name: resolves cut (hashed) names and finds output schemas. */
  let known = new Map<string, McpToolView>();
  const refresh = async () => {
    const views = await backend.listTools();
    known = new Map(views.map((v) => [v.name, v]));
    return views;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await refresh()).map(asMcpTool) }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    let view = known.get(name);
    if (!view) view = (await refresh()).find((v) => v.name === name);
    const toolId = view?.id ?? toolIdOfMcpName(name);
    // A name this mapping never produces is a protocol fault; a well-formed one that is not (or no
    // longer) listed goes to the router, which answers unknown_tool / agent_unavailable / permission_denied.
    if (!toolId) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const token = request.params._meta?.progressToken;
    let progress = 0;
    // Progress goes out in order and before the result: the client stops listening once it has the result.
    let progressSent = Promise.resolve();
    const end = await backend.callTool({
      toolId,
      arguments: request.params.arguments ?? {},
      client: server.getClientVersion(),
      signal: extra.signal,
      ...(token !== undefined
        ? {
            onProgress: (_seq: number, chunk: unknown) => {
              if (extra.signal.aborted) return;
              const params = { progressToken: token, progress: ++progress, message: progressMessage(chunk) };
              progressSent = progressSent.then(() => extra.sendNotification({ method: "notifications/progress", params }).catch(() => {}));
            },
          }
        : {}),
    });
    await progressSent;
    return mcpToolResult(end, view?.outputSchema ?? null);
  });
  return server;
}

/**
 * Sends `notifications/tools/list_changed` at most once per `delayMs` burst
 * (an agent restart is a removal and a registration); never throws.
 */
export function listChangedNotifier(server: Server, delayMs = 50): { changed(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    changed() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (!server.getClientCapabilities()) return; // not initialized yet: its first list will be current
        void server.sendToolListChanged().catch(() => {});
      }, delayMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
