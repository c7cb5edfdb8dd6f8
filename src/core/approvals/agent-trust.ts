/** What this machine knows about trusting an agent, beside any registry's word: its pinned tool surface and its last local test run. */
import type { AgentTestRun, AgentTests } from "../installer/agent-test.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { AppError } from "../errors.ts";
import { assertAgentId } from "./approvals.ts";
import type { PinnedSurface, ToolPins } from "./tool-pins.ts";

export interface AgentTrust {
  agentId: string;
  toolSurface: PinnedSurface | null;
  lastTest: AgentTestRun | null;
  /** The installed commit: a last test of another commit tested an earlier build. */
  installedCommit: string | null;
}

export function agentTrust(d: { catalog: Catalog; toolPins: ToolPins; agentTests: AgentTests }, id: string): AgentTrust {
  assertAgentId(id);
  const install = d.catalog.installFor(id);
  if (!install) throw new AppError("not_found", `agent '${id}' is not installed (see: opensentience agents install ${id})`);
  return { agentId: id, toolSurface: d.toolPins.view(id), lastTest: d.agentTests.last(id), installedCommit: install.commitSha };
}
