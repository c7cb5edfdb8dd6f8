import type { Command } from "./command.ts";
import { agentDetailText } from "./format-agents.ts";
import { printJson } from "./output.ts";
import type { AgentDetail } from "../core/catalog/types.ts";
import { sandboxLauncherFor } from "../core/sandbox/for-config.ts";
import type { SandboxView } from "../core/sandbox/launcher.ts";
import type { Services } from "./command.ts";
import { sandboxText } from "./format-sandbox.ts";
import { trustText } from "./format-trust.ts";
import { agentTrust } from "../core/approvals/agent-trust.ts";
import { runtimeStatusText } from "./agents-lifecycle.ts";
import type { CommandContext } from "./command.ts";
import { resolveAgentId } from "./agent-ref.ts";

const indent = (s: string) => s.replace(/^/gm, "  ");

/** Without a daemon: the sandbox this agent would get at its next start. */
function localSandbox(s: Services, detail: AgentDetail): SandboxView | null {
  if (!detail.id || detail.install?.state !== "installed") return null;
  return sandboxLauncherFor(s.config).describe(detail.id, detail.install.installPath, detail.install.devMode, detail.approvals.map((a) => a.permission));
}

export const agentsInfo: Command = {
  path: ["agents", "info"],
  summary: "Show everything known about one agent",
  usage: "ID",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const t = await ctx.target({ write: false });
    const id = await resolveAgentId(t, ctx.positionals[0]!);
    const detail = t.kind === "daemon" ? await t.client.getAgent(id) : t.services.catalog.get(id);
    // Live state only exists while a daemon runs; without one the catalog alone answers.
    const runtime = t.kind === "daemon" && detail.id ? await t.client.agentStatus(detail.id) : null;
    const sandbox = !detail.id ? null : t.kind === "daemon" ? await t.client.agentSandbox(detail.id) : localSandbox(t.services, detail);
    // Pinned tool surface and last local test run: only for installed agents.
    const trust = !detail.id || !detail.install ? null : t.kind === "daemon" ? await t.client.agentTrust(detail.id) : agentTrust(t.services, detail.id);
    if (ctx.json) printJson(ctx.io, { ...detail, runtime, sandbox, trust });
    else
      ctx.io.out(
        agentDetailText(detail) +
          (runtime ? `\n\nRuntime:\n${indent(runtimeStatusText(runtime))}` : "") +
          (sandbox ? `\n\nSandbox:\n${indent(sandboxText(sandbox))}` : "") +
          (trust ? `\n\nTrust (this machine):\n${indent(trustText(trust))}` : ""),
      );
    return 0;
  },
};

export { agentsList, agentsSearch } from "./agents-search.ts";
