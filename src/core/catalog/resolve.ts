/**
 * Short names for agent ids (issue 17): `echo` stands for the one known agent
 * whose id ends in `.echo` or whose name is `echo` (case-insensitive); an
 * ambiguous name lists its candidates, an unknown one gets "did you mean".
 * The one place this is decided — the CLI reaches it through the catalog,
 * locally or via GET /api/v1/agents/:id/resolve.
 */
import { AppError } from "../errors.ts";
import { closest } from "../suggest.ts";

export interface AgentRef {
  id: string;
  name: string | null;
}

function lastSegment(id: string): string {
  return id.slice(id.lastIndexOf(".") + 1);
}

/** The full id `input` stands for among `known` (ids of listings and installs); throws when there is none or several. */
export function resolveAgentRef(input: string, known: AgentRef[]): string {
  if (known.some((r) => r.id === input)) return input;
  const q = input.toLowerCase();
  const ids = [...new Set(known.filter((r) => r.id.toLowerCase() === q || r.id.toLowerCase().endsWith(`.${q}`) || r.name?.toLowerCase() === q).map((r) => r.id))].sort();
  if (ids.length === 1) return ids[0]!;
  if (ids.length > 1) {
    const shown = ids.length > 8 ? `${ids.slice(0, 8).join(", ")}, … (${ids.length} in all)` : ids.join(", ");
    throw new AppError("usage", `'${input}' matches ${ids.length} agents: ${shown}; give the full id`);
  }
  throw unknownAgent(input, known);
}

/** "no agent 'x'" with the closest known id, by full id, last segment or name. */
export function unknownAgent(input: string, known: AgentRef[]): AppError {
  const byKey = new Map<string, string>();
  for (const r of known) {
    for (const k of [r.id, lastSegment(r.id), r.name ?? ""]) if (k && !byKey.has(k.toLowerCase())) byKey.set(k.toLowerCase(), r.id);
  }
  const near = closest(input.toLowerCase(), [...byKey.keys()]);
  const hint = near ? `did you mean '${byKey.get(near)}'?` : "see: opensentience agents list; after adding a registry: opensentience registry sync";
  return new AppError("not_found", `no agent '${input}' in the catalog (${hint})`);
}

/** `unknown_tool` for `agentId/name` among the agent's registered tool names, with the closest one. */
export function unknownTool(agentId: string, name: string, registered: string[]): AppError {
  const near = closest(name, registered);
  const hint = near ? `did you mean '${agentId}/${near}'?` : `its tools: ${registered.join(", ") || "none registered"}`;
  return new AppError("unknown_tool", `agent '${agentId}' has no tool '${name}' (${hint})`);
}
