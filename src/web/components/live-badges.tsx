/**
 * Status badges that stay current without a reload: the server renders the
 * state it knows, and assets/live.js re-renders the parts marked
 * `data-live-part` (install, enabled, runtime) from `agent.status` events and
 * the stream's snapshot. Labels and tones here and in live.js match.
 */
import type { AgentSummary } from "../../core/catalog/types.ts";
import type { RuntimeStatus } from "../../core/runtime/runtime-status.ts";
import { Badge, type BadgeAgent, RegistryStandingBadges, StatusBadges } from "./badges.tsx";

export type LiveBadgeAgent = BadgeAgent & Pick<AgentSummary, "id">;

/** The runtime part: what the supervisor says about the process (nothing when stopped). */
export function RuntimeBadges({ runtime }: { runtime?: RuntimeStatus | null }) {
  if (!runtime) return "";
  switch (runtime.state) {
    case "running":
      return (
        <>
          <Badge tone="success" label="Running" />
          {runtime.healthy ? <Badge tone="success" label="Healthy" /> : <Badge tone="danger" label="Unhealthy" title="No heartbeat for three intervals" />}
        </>
      );
    case "starting":
      return <Badge tone="info" label="Starting" />;
    case "stopping":
      return <Badge tone="info" label="Stopping" />;
    case "backoff":
      return <Badge tone="warning" label="Backoff" title="Crashed; restarting after a delay" />;
    case "failed":
      return <Badge tone="danger" label="Failed" title={runtime.lastExit?.reason ?? "Restart budget exhausted"} />;
    case "exited":
      return <Badge tone="neutral" label="Exited" title="Dev mode: not restarted" />;
    default:
      return "";
  }
}

export function LiveBadges({ agent, runtime }: { agent: LiveBadgeAgent; runtime?: RuntimeStatus | null }) {
  if (!agent.id) return <StatusBadges agent={agent} />;
  return (
    <span class="badges" data-live-agent={agent.id}>
      <span class="badge-part" data-live-part="install">
        <StatusBadges agent={{ status: agent.status, enabled: false, deprecated: false, duplicateOf: null }} />
      </span>
      <span class="badge-part" data-live-part="enabled">
        {agent.enabled ? <Badge tone="success" label="Enabled" title="Allowed to run" /> : ""}
      </span>
      <span class="badge-part" data-live-part="runtime">
        <RuntimeBadges runtime={runtime} />
      </span>
      <RegistryStandingBadges agent={agent} />
      {agent.duplicateOf ? <Badge tone="warning" label="Duplicate" title="Another checkout with the same id is used" /> : ""}
    </span>
  );
}
