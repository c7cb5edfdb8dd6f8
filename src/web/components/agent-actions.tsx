/**
 * Action buttons on the agent detail page.
 *
 * Extension point: append to AGENT_ACTIONS. `available` hides an action that
 * does not apply to the agent's current state, so the page never shows a dead
 * button; `render` draws the button (`data-action=<id>`) and, for actions that
 * need a confirmation, its dialog. Every state change goes through ONE service
 * function, audited with actor `ui`:
 *   - quick ones are POST forms to src/web/routes/actions.ts carrying the
 *     session's CSRF token (answered with 303 back to this page);
 *   - install and update (which fetch and build, possibly for minutes) use
 *     the JSON API from assets/install.js with the X-CSRF-Token header and
 *     show live progress from the SSE stream.
 */
import type { Children } from "@kitajs/html";
import type { AgentDetail } from "../../core/catalog/types.ts";
import { Icon, type IconName } from "./icons.tsx";
import { InstallDialog, Modal, type OperationTarget } from "./install-dialog.tsx";
import { agentActionPath, EnableDialog } from "./permission-controls.tsx";
import { UpdateDialog } from "./update-dialog.tsx";

export interface AgentAction {
  id: string;
  available(agent: AgentDetail): boolean;
  render(agent: AgentDetail, csrf: string, ctx: ActionContext): JSX.Element;
}

/** What the page knows beyond the catalog: whether the agent's permissions are enforced here (null: unknown). */
export interface ActionContext {
  sandboxed: boolean | null;
}

type Variant = "primary" | "secondary" | "danger" | "ghost";

function ButtonContent({ icon, label }: { icon: IconName; label: string }) {
  return (
    <>
      <Icon name={icon} />
      <span safe>{label}</span>
    </>
  );
}

/** A button that POSTs a form (no confirmation needed). */
function PostButton(p: { id: string; action: string; label: string; title: string; variant: Variant; icon: IconName; csrf: string; fields?: Record<string, string> }) {
  return (
    <form method="post" action={p.action} class="inline-form">
      <input type="hidden" name="_csrf" value={p.csrf} />
      {Object.entries(p.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={`button button-${p.variant}`} title={p.title} data-action={p.id}>
        <ButtonContent icon={p.icon} label={p.label} />
      </button>
    </form>
  );
}

/** A button that opens a dialog; `component` is the Alpine component owning `open`/`close` and `x-ref="dialog"`. */
function DialogButton(p: {
  id: string;
  label: string;
  title: string;
  variant: Variant;
  icon: IconName;
  component: string;
  data?: Record<string, string>;
  /** The dialog (rendered markup). */
  children: Children;
}) {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.data ?? {})) attrs[`data-${k}`] = v;
  return (
    <div class="action-item" x-data={p.component} {...attrs}>
      <button type="button" class={`button button-${p.variant}`} title={p.title} data-action={p.id} x-on:click="open">
        <ButtonContent icon={p.icon} label={p.label} />
      </button>
      {p.children}
    </div>
  );
}

const isInstalled = (a: AgentDetail) => a.install?.state === "installed";
const displayName = (a: AgentDetail) => a.name || a.id || "this agent";

/** The listing shown on the page is the one installed: its registry, or the local checkout. */
function target(a: AgentDetail): OperationTarget {
  return { agentId: a.id!, name: displayName(a), registry: a.source === "remote" ? a.registry : null, local: a.source === "local" };
}

function operationData(kind: "install" | "update", a: AgentDetail): Record<string, string> {
  const t = target(a);
  return { kind, agent: t.agentId, registry: t.registry ?? "", local: t.local ? "1" : "" };
}

/** Installable: has an id, a usable listing, and no working install (a failed one can be retried). */
function installable(a: AgentDetail): boolean {
  if (!a.id || a.duplicateOf || a.status === "invalid" || a.status === "missing") return false;
  if (a.source === "remote" && !a.registry) return false;
  return !a.install || a.install.state === "install_failed";
}

function UninstallDialog({ agent, csrf }: { agent: AgentDetail; csrf: string }) {
  const i = agent.install!;
  return (
    <Modal title={`Uninstall ${displayName(agent)}?`} labelId={`uninstall-title-${agent.id}`} icon="trash" ref="dialog" tone="danger">
      <form method="post" action={agentActionPath(agent.id!, "uninstall")} class="modal-form">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="confirm" value="1" />
        <div class="modal-body">
          <p class="modal-lead">The agent is stopped if it is running, and every permission approval is dropped.</p>
          {i.source === "local" ? (
            <p>
              Your checkout at <code class="break" safe>{i.installPath}</code> is <strong>not</strong> deleted; only the install record and its build log are removed.
            </p>
          ) : (
            <p>
              Its installed files are deleted: <code class="break" safe>{i.installPath.replace(/\/src$/, "")}</code>
            </p>
          )}
        </div>
        <div class="modal-footer">
          <button type="button" class="button button-secondary" x-on:click="close">
            Cancel
          </button>
          <button type="submit" class="button button-danger" data-confirm="uninstall">
            <Icon name="trash" />
            <span>Uninstall</span>
          </button>
        </div>
      </form>
    </Modal>
  );
}

export const AGENT_ACTIONS: AgentAction[] = [
  {
    id: "install",
    available: installable,
    render: (a) => (
      <DialogButton
        id="install"
        label={a.install?.state === "install_failed" ? "Retry install" : "Install"}
        title={a.source === "local" ? "Build this checkout in place (dev mode); shows the exact commands first" : `Fetch and build from registry ${a.registry}; shows the exact commands first`}
        variant="primary"
        icon="download"
        component="agentOperation"
        data={operationData("install", a)}
      >
        <InstallDialog target={target(a)} />
      </DialogButton>
    ),
  },
  {
    id: "rebuild",
    available: (a) => !!a.id && isInstalled(a) && a.install?.source === "local" && a.source === "local" && !a.duplicateOf,
    render: (a) => (
      <DialogButton
        id="rebuild"
        label="Rebuild"
        title="Build this checkout again in place (keeps approvals; new permissions need approval)"
        variant="secondary"
        icon="download"
        component="agentOperation"
        data={operationData("install", a)}
      >
        <InstallDialog target={target(a)} rebuild />
      </DialogButton>
    ),
  },
  {
    id: "enable",
    available: (a) => !!a.id && isInstalled(a) && (!a.enabled || a.permissionsRequested.some((p) => !a.approvals.some((x) => x.permission === p))),
    render: (a, csrf, ctx) => (
      <DialogButton
        id="enable"
        label={a.enabled ? "Approve permissions" : "Enable"}
        title="Choose which requested permissions to approve"
        variant={a.enabled ? "secondary" : "primary"}
        icon={a.enabled ? "shield" : "power"}
        component="modal"
      >
        <EnableDialog agent={a} csrf={csrf} sandboxed={ctx.sandboxed} />
      </DialogButton>
    ),
  },
  {
    id: "update",
    available: (a) => !!a.id && isInstalled(a) && a.install?.source === "remote",
    render: (a) => (
      <DialogButton
        id="update"
        label="Check for update"
        title="Fetch the latest version and show the commits and permission changes before building"
        variant="secondary"
        icon="upgrade"
        component="agentOperation"
        data={operationData("update", a)}
      >
        <UpdateDialog target={target(a)} />
      </DialogButton>
    ),
  },
  {
    id: "disable",
    available: (a) => !!a.id && isInstalled(a) && a.enabled,
    render: (a, csrf) => (
      <PostButton
        id="disable"
        action={agentActionPath(a.id!, "disable")}
        label="Disable"
        title="Stop it and keep it from running (approvals are kept)"
        variant="secondary"
        icon="pause"
        csrf={csrf}
      />
    ),
  },
  {
    id: "uninstall",
    available: (a) => !!a.id && !!a.install && a.install.state !== "installing",
    render: (a, csrf) => (
      <DialogButton
        id="uninstall"
        label="Uninstall"
        title="Stop it, drop its approvals and delete its installed files"
        variant="ghost"
        icon="trash"
        component="modal"
      >
        <UninstallDialog agent={a} csrf={csrf} />
      </DialogButton>
    ),
  },
  {
    id: "rescan",
    available: (a) => a.source === "local",
    render: (a, csrf) => (
      <PostButton
        id="rescan"
        action="/actions/rescan"
        label="Rescan"
        title="Re-read manifests from the scan roots (reads files only, runs nothing)"
        variant="secondary"
        icon="refresh"
        csrf={csrf}
        fields={{ agent: a.id ?? a.key }}
      />
    ),
  },
];

/** Notices after a redirect from an action (`?done=<key>`); fixed texts, nothing from the URL is shown. */
export const AGENT_NOTICES = {
  enabled: "Enabled. The agent may use the permissions you approved.",
  disabled: "Disabled. It will not run until you enable it again; its approvals are kept.",
  revoked: "Approval revoked. The agent keeps its other approvals.",
  uninstalled: "Uninstalled. Its files and approvals are gone.",
} as const;
export type AgentNoticeKey = keyof typeof AGENT_NOTICES;
export const AGENT_NOTICE_KEYS = Object.keys(AGENT_NOTICES) as [AgentNoticeKey, ...AgentNoticeKey[]];

export function AgentActions({ agent, csrf, sandboxed = null }: { agent: AgentDetail; csrf: string; sandboxed?: boolean | null }) {
  const actions = AGENT_ACTIONS.filter((a) => a.available(agent));
  if (actions.length === 0) return "";
  return <div class="actions agent-actions">{actions.map((a) => a.render(agent, csrf, { sandboxed }))}</div>;
}
