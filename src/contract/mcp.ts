/** MCP bridge and client tokens: the tool view MCP clients get, the tools-changed stream, scoped client tokens. */
import { z } from "zod";

/** One tool as MCP clients see it (src/mcp/tool-view.ts), with the tool id it stands for. */
export const mcpToolSchema = z.object({
  /** Our tool id, `<agent_id>/<tool>`. */
  id: z.string(),
  /** The MCP name (src/mcp/tool-names.ts): `^[a-zA-Z0-9_-]{1,64}$`. */
  name: z.string(),
  title: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
});
export type McpToolView = z.infer<typeof mcpToolSchema>;
export const mcpToolListSchema = z.object({ tools: z.array(mcpToolSchema) });

/** One line of `GET /tools/events`: `ready` once subscribed, then a line per change, and a ping every 20 s. */
export const toolEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("tools.changed"), agentId: z.string() }),
]);
export type ToolEvent = z.infer<typeof toolEventSchema>;

export const clientTokenSchema = z.object({
  name: z.string(),
  tools: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  lastUsedAt: z.string().nullable(),
  lastClient: z.string().nullable(),
});
export const clientTokenListSchema = z.object({ tokens: z.array(clientTokenSchema) });
/** The answer of `POST /client-tokens`: the only time the secret is shown. */
export const createdClientTokenSchema = clientTokenSchema.extend({ token: z.string() });
export const revokedClientTokenSchema = z.object({ name: z.string() });
