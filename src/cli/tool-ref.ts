/** `AGENT/TOOL` on the command line: the agent part may be a short name; a misspelt tool gets "did you mean". */
import type { DaemonClient } from "../client/daemon-client.ts";
import { unknownTool } from "../core/catalog/resolve.ts";
import { AppError } from "../core/errors.ts";
import { agentNotCallable } from "../core/runtime/not-callable.ts";
import { resolveAgentId } from "./agent-ref.ts";

export type ToolListing = Awaited<ReturnType<DaemonClient["listTools"]>>["tools"][number];

export function splitToolRef(ref: string): { agent: string; tool: string } {
  const m = /^([^/]+)\/([^/]+)$/.exec(ref);
  if (!m) throw new AppError("usage", `tool must look like AGENT_ID/TOOL, got ${JSON.stringify(ref)}`);
  return { agent: m[1]!, tool: m[2]! };
}

/**
 * The registered tool `ref` names, with the agent's full id. An agent with no
 * tools registered gets the reason (disabled, not running …) with the next
 * step; `tool` is null only when the agent runs and registered none.
 */
export async function findTool(client: DaemonClient, ref: string): Promise<{ id: string; tool: ToolListing | null }> {
  const parts = splitToolRef(ref);
  const agentId = await resolveAgentId(client, parts.agent);
  const { tools, rejected = [] } = await client.listTools(agentId);
  const tool = tools.find((t) => t.name === parts.tool) ?? null;
  const refused = tool ? undefined : rejected.find((r) => r.name === parts.tool);
  // The same words as the router's (router.ts): a tool refused at registration names why.
  if (refused) throw new AppError("unknown_tool", `tool ${agentId}/${parts.tool} was rejected when ${agentId} registered it: ${refused.reason}`);
  if (!tool && tools.length) throw unknownTool(agentId, parts.tool, tools.map((t) => t.name));
  if (!tool) {
    // No tools registered: say why, with the next step, rather than the router's bare unknown_tool / agent_unavailable.
    const [detail, runtime] = await Promise.all([client.getAgent(agentId), client.agentStatus(agentId)]);
    const why = agentNotCallable(agentId, detail.install, runtime);
    if (why) throw why;
  }
  return { id: `${agentId}/${parts.tool}`, tool };
}
