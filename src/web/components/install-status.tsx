/**
 * The install state worth a banner on the agent page: a failed install (with
 * its error and build log path), a failed update (the working version is
 * unchanged), an install in progress, or installed-but-not-enabled.
 */
import type { AgentDetail } from "../../core/catalog/types.ts";
import { Icon } from "./icons.tsx";

export function InstallStatus({ agent }: { agent: AgentDetail }) {
  const i = agent.install;
  if (!i) return "";
  if (i.state === "install_failed") {
    return (
      <div class="callout callout-danger install-status" role="alert">
        <strong>The last install failed</strong>
        {i.lastError ? <p class="break mono" safe>{i.lastError}</p> : ""}
        {i.buildLogPath ? (
          <p class="muted">
            Full build log: <code class="break" safe>{i.buildLogPath}</code>
          </p>
        ) : (
          ""
        )}
      </div>
    );
  }
  if (i.state === "installing") {
    return (
      <div class="callout callout-info install-status" role="status">
        <strong>An install is in progress</strong>
        <p>Reload this page when it has finished.</p>
      </div>
    );
  }
  if (i.lastError) {
    return (
      <div class="callout callout-warning install-status" role="status">
        <strong>The last update failed; the installed version is unchanged</strong>
        <p class="break mono" safe>
          {i.lastError}
        </p>
      </div>
    );
  }
  if (!agent.enabled) {
    const pending = agent.permissionsRequested.filter((p) => !agent.approvals.some((a) => a.permission === p));
    // Permission strings come from the manifest: escaped below (`safe`).
    const message: string =
      pending.length > 0 && agent.approvals.length > 0
        ? `It now asks for ${pending.length === 1 ? "a permission" : "permissions"} you have not approved (${pending.join(", ")}). Enable it to review them.`
        : "It cannot run until you enable it and choose which permissions to approve.";
    return (
      <div class="callout callout-info install-status" role="status">
        <span class="callout-row">
          <Icon name="power" size={16} />
          <strong>Installed, not enabled</strong>
        </span>
        <p safe>{message}</p>
      </div>
    );
  }
  return "";
}
