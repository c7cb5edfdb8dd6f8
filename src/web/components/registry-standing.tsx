/**
 * The registry's word on an agent, on its page: quarantined (the entry is
 * yanked and the install was stopped and disabled), yanked, deprecated with
 * the suggested replacement. Registry text is hostile: rendered escaped only.
 */
import type { AgentDetail } from "../../core/catalog/types.ts";
import { agentHref } from "../render.ts";

export function RegistryStanding({ agent }: { agent: AgentDetail }) {
  const q = agent.install?.quarantine ?? null;
  return (
    <>
      {q ? (
        <div class={q.overriddenAt ? "callout callout-warning" : "callout callout-danger"} role="alert" data-testid="quarantine">
          <strong>{q.overriddenAt ? "Yanked by its registry, enabled anyway" : "Quarantined: its registry withdrew (yanked) this agent"}</strong>
          <p class="break" safe>{`Reason given: ${q.reason}`}</p>
          {q.overriddenAt ? (
            <p safe>{`You overrode the yank at ${q.overriddenAt.slice(0, 19).replace("T", " ")} (audited).`}</p>
          ) : (
            <p>It was stopped and disabled. It can be enabled again once the registry un-yanks it, or now with an explicit override (audited).</p>
          )}
        </div>
      ) : agent.yanked ? (
        <div class="callout callout-danger" role="alert" data-testid="yanked">
          <strong>Yanked by its registry</strong>
          <p class="break" safe>{`Reason given: ${agent.yanked}`}</p>
        </div>
      ) : (
        ""
      )}
      {agent.deprecated ? (
        <div class="callout callout-warning" data-testid="deprecated">
          <strong>Deprecated by its registry</strong>
          {agent.replacementId ? (
            <p>
              Suggested replacement:{" "}
              <a class="mono" href={agentHref(agent.replacementId)} safe>
                {agent.replacementId}
              </a>
            </p>
          ) : (
            <p class="muted">No replacement named.</p>
          )}
        </div>
      ) : (
        ""
      )}
    </>
  );
}
