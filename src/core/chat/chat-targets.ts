/**
 * The agents a chat session can target (the chat page's agent picker and
 * `GET /api/v1/chat/agents`): every running agent, and every installed and
 * enabled one (it can be started). Names and declared capabilities come from
 * the validated installed manifest; while an agent is connected, what it
 * announced in its handshake (filtered by what it declared) decides `chat`.
 */
import type { Runtime } from "../runtime/runtime.ts";
import type { Services } from "../services.ts";

/** An agent a chat session can target. */
export interface ChatTarget {
  agentId: string;
  name: string;
  state: string;
  running: boolean;
  /** Declared (and, when running, announced) the `chat` capability. */
  chat: boolean;
  tools: number;
}

export interface ChatTargetDeps {
  runtime: Pick<Runtime, "status" | "statuses" | "supervisor">;
  services: Pick<Services, "catalog" | "search">;
}

/** Running agents first, then those that can chat, then by name. */
export function chatTargets(deps: ChatTargetDeps): ChatTarget[] {
  const ids = new Set<string>(deps.runtime.statuses().map((s) => s.agentId));
  for (const status of ["installed", "local_dev"] as const) {
    for (const a of deps.services.search.search({ status, limit: 1000 }).agents) if (a.id) ids.add(a.id);
  }
  const out: ChatTarget[] = [];
  for (const agentId of ids) {
    const install = deps.services.catalog.installFor(agentId);
    const st = deps.runtime.status(agentId);
    const running = st.state === "running";
    if (!running && !(install?.state === "installed" && install.enabled)) continue;
    // An unusable stored manifest leaves the agent listed by id, without declared capabilities.
    const manifest = deps.services.catalog.installedManifest(agentId);
    const link = deps.runtime.supervisor.link(agentId);
    out.push({
      agentId,
      name: manifest?.name || agentId,
      state: st.state,
      running,
      chat: link ? link.capabilities.includes("chat") : (manifest?.capabilities.includes("chat") ?? false),
      tools: st.tools,
    });
  }
  return out.sort((a, b) => Number(b.running) - Number(a.running) || Number(b.chat) - Number(a.chat) || a.name.localeCompare(b.name));
}
