/**
 * Permission UI: a plain-words description of each permission, the Enable
 * form (one checkbox per requested permission, so the user approves a subset)
 * and the per-permission Revoke button. All are POST forms to
 * src/web/routes/actions.ts carrying the session's CSRF token.
 * Permission strings come from manifests (hostile): rendered escaped only.
 */
import type { AgentDetail } from "../../core/catalog/types.ts";
import { describePermission, type Risk } from "../../core/manifest/permission-words.ts";
import { Breakable } from "./breakable.tsx";
import { Icon } from "./icons.tsx";
import { Modal } from "./install-dialog.tsx";

// In core so the CLI's `agents enable` prompt uses the same words (issue 17, finding 4).
export { describePermission, type Risk };

const RISK_LABEL: Record<Risk, string> = { low: "Low risk", medium: "Review", high: "High risk" };

export function RiskBadge({ risk }: { risk: Risk }) {
  return (
    <span class={`risk risk-${risk}`} safe>
      {RISK_LABEL[risk]}
    </span>
  );
}

/** A permission string: mono, wraps only at `:`, `.` or `/`. */
export function PermissionString({ permission, class: cls = "" }: { permission: string; class?: string }) {
  return <Breakable text={permission} class={`mono perm-string ${cls}`.trim()} />;
}

/** Permission string plus its description (used in tables and forms). */
export function PermissionText({ permission }: { permission: string }) {
  const d = describePermission(permission);
  return (
    <span class="perm-text">
      <PermissionString permission={permission} class="perm-name" />
      <span class="perm-desc" safe>
        {d.text}
      </span>
    </span>
  );
}

export const agentActionPath = (id: string, action: string) => `/actions/agents/${encodeURIComponent(id)}/${action}`;

/** One Revoke button for an approved permission (the agent keeps its other approvals). */
export function RevokeForm({ agentId, permission, csrf }: { agentId: string; permission: string; csrf: string }) {
  return (
    <form method="post" action={agentActionPath(agentId, "revoke")} class="inline-form">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="permission" value={permission} />
      <button type="submit" class="button button-ghost button-small revoke-button" title={`Withdraw the approval of ${permission}`} data-revoke={permission}>
        Revoke
      </button>
    </form>
  );
}

/**
 * The Enable dialog: every requested permission with a checkbox, unchecked
 * unless already approved (approvals are never implied by installing or
 * updating). Already approved ones stay approved (revoke them separately).
 */
export function EnableDialog({ agent, csrf, sandboxed = null }: { agent: AgentDetail; csrf: string; sandboxed?: boolean | null }) {
  const id = agent.id!;
  const approved = new Set(agent.approvals.map((a) => a.permission));
  const pending = agent.permissionsRequested.filter((p) => !approved.has(p));
  const title = agent.enabled ? "Approve permissions" : `Enable ${agent.name || id}`;
  return (
    <Modal title={title} labelId={`enable-title-${id}`} icon="shield" ref="dialog" wide>
      <form method="post" action={agentActionPath(id, "enable")} class="modal-form" x-data="enableForm" data-mode={agent.enabled ? "approve" : "enable"}>
        <input type="hidden" name="_csrf" value={csrf} />
        <div class="modal-body">
          <p class="modal-lead">
            {agent.enabled ? "" : "Enabling lets the agent run. "}It can use <strong>only the permissions you tick</strong>; a tool that needs another one is refused. You can revoke any approval later.
          </p>
          {sandboxed === false && agent.permissionsRequested.length > 0 ? (
            <p class="notice notice-danger" data-testid="enable-not-enforced">
              Not enforced on this machine: the sandbox is off, so the agent can read, write, connect and start programs as you whatever you tick here. Only env and tool permissions are enforced.
            </p>
          ) : (
            ""
          )}
          {agent.quarantine ? (
            <div class="callout callout-danger" data-testid="enable-quarantined">
              <strong>Quarantined: its registry yanked this agent</strong>
              <p class="break" safe>{`Reason given: ${agent.quarantine}`}</p>
              <label class="perm-option">
                <input type="checkbox" name="override_yank" value="1" required />
                <span>I know why it was yanked and enable it anyway (override the yank; audited).</span>
              </label>
            </div>
          ) : (
            ""
          )}
          {agent.permissionsRequested.length === 0 ? (
            <p class="muted">This agent requests no permissions.</p>
          ) : (
            <fieldset class="perm-list">
              <legend class="section-label">Requested permissions</legend>
              {pending.length > 1 ? (
                <label class="perm-option perm-all">
                  <input type="checkbox" data-approve-all x-on:change="toggleAll" x-bind:checked="allChecked" />
                  <span class="perm-text">
                    <span class="perm-name" safe>{`Approve all ${pending.length} requested`}</span>
                    <span class="perm-desc">Everything listed below; you can revoke any of them later on the agent page.</span>
                  </span>
                </label>
              ) : (
                ""
              )}
              {agent.permissionsRequested.map((p) => {
                const isApproved = approved.has(p);
                return (
                  <label class={isApproved ? "perm-option approved" : "perm-option"}>
                    <input type="checkbox" name="approve" value={p} checked={isApproved} disabled={isApproved} x-on:change="count" />
                    <PermissionText permission={p} />
                    {isApproved ? <span class="badge badge-success">Approved</span> : <RiskBadge risk={describePermission(p).risk} />}
                  </label>
                );
              })}
              {pending.length > 0 && !agent.enabled ? (
                <label class="perm-none" x-show="noneTicked" data-testid="enable-none">
                  <input type="checkbox" x-on:change="confirmNone" x-bind:checked="noneConfirmed" />
                  <span>Enable with none of them approved: every tool that needs one is refused until you approve it.</span>
                </label>
              ) : (
                ""
              )}
            </fieldset>
          )}
        </div>
        <div class="modal-footer">
          <button type="button" class="button button-secondary" x-on:click="close">
            Cancel
          </button>
          {/* Disabled until something is ticked (or "none" is confirmed): a primary button never silently approves nothing. */}
          <button type="submit" class="button button-primary" data-confirm="enable" disabled={pending.length > 0} x-bind:disabled="submitDisabled">
            <Icon name="power" />
            <span x-text="submitLabel">{agent.enabled ? "Approve selected" : "Enable"}</span>
          </button>
        </div>
      </form>
    </Modal>
  );
}
