/**
 * `opensentience mcp [--token-name NAME]`: MCP on stdin/stdout for a local MCP
 * client (Claude Desktop, Claude Code, Cursor, VS Code …), bridged to the
 * running daemon (src/mcp/stdio-bridge.ts). It never starts a daemon; without
 * one it fails with the usual one-line hint on stderr and writes nothing to stdout.
 */
import { runStdioBridge } from "../mcp/stdio-bridge.ts";
import { type Command, stringOption } from "./command.ts";

export const mcp: Command = {
  path: ["mcp"],
  summary: "Serve the running agents' tools over MCP on stdin/stdout (for MCP clients; needs the daemon)",
  usage: "[--token-name NAME]",
  options: { "token-name": { type: "string", description: "Limit to the tools this client token allows" } },
  async run(ctx) {
    const client = ctx.daemon();
    const tokenName = stringOption(ctx.values, "token-name");
    // Fail before speaking MCP: a stale daemon file, or a token name that does not exist.
    await client.health();
    if (tokenName !== undefined) await client.mcpTools(tokenName);
    await runStdioBridge({ client, ...(tokenName !== undefined ? { tokenName } : {}), warn: (l) => ctx.io.err(l) });
    return 0;
  },
};
