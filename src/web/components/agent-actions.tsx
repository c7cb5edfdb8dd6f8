/**
 * Action buttons on the agent detail page.
 *
 * Extension point: later issues add install / enable / disable / run / stop by
 * appending to AGENT_ACTIONS and adding the matching POST route under
 * src/web/routes/actions.ts (which calls the service and audits with actor `ui`).
 * Only actions whose route exists are listed, and `available` hides an action
 * that does not apply to this agent, so the page never shows a dead button.
 * Every action is a POST form carrying the session's CSRF token.
 */
import type { AgentDetail } from "../../core/catalog/types.ts";
import { Icon, type IconName } from "./icons.tsx";

export interface AgentAction {
  id: string;
  label: string;
  /** Tooltip: what happens when clicked. */
  description: string;
  icon: IconName;
  variant: "primary" | "secondary" | "danger";
  /** POST target (a route in src/web/routes/actions.ts). */
  action: string;
  fields(agent: AgentDetail): Record<string, string>;
  available(agent: AgentDetail): boolean;
}

export const AGENT_ACTIONS: AgentAction[] = [
  {
    id: "rescan",
    label: "Rescan",
    description: "Re-read manifests from the scan roots (reads files only, runs nothing)",
    icon: "refresh",
    variant: "secondary",
    action: "/actions/rescan",
    fields: (a) => ({ agent: a.id ?? a.key }),
    available: (a) => a.source === "local",
  },
];

export function AgentActions({ agent, csrf }: { agent: AgentDetail; csrf: string }) {
  const actions = AGENT_ACTIONS.filter((a) => a.available(agent));
  if (actions.length === 0) return "";
  return (
    <div class="actions">
      {actions.map((a) => (
        <form method="post" action={a.action} class="inline-form">
          <input type="hidden" name="_csrf" value={csrf} />
          {Object.entries(a.fields(agent)).map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
          <button type="submit" class={`button button-${a.variant}`} title={a.description} data-action={a.id}>
            <Icon name={a.icon} />
            <span safe>{a.label}</span>
          </button>
        </form>
      ))}
    </div>
  );
}
