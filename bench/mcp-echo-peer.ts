#!/usr/bin/env bun
/**
 * The baseline for bench/mcp.ts: a plain MCP server on stdio, built with the
 * same official SDK, whose `echo` tool answers in-process (no daemon, no
 * router, no agent). Same tool shape as examples/echo's echo.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const server = new Server({ name: "echo-peer", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: "echo",
      description: "Returns the text it was given",
      inputSchema: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
      outputSchema: { type: "object", properties: { text: { type: "string" } } },
    },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => {
  const text = String((req.params.arguments as { text?: unknown } | undefined)?.text ?? "");
  return { content: [{ type: "text", text: JSON.stringify({ text }) }], structuredContent: { text } };
});
await server.connect(new StdioServerTransport());
process.stdin.once("end", () => void server.close());
