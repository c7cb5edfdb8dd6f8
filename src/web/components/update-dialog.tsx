/**
 * Update dialog: the `agentOperation` component (kind "update") fetches the
 * update plan (GET /api/v1/agents/:id/update-plan: fetches the new commit,
 * builds nothing) and shows the commit range, the commits, the permission
 * diff and whether the agent will be disabled, BEFORE anything is built.
 * Confirming sends the reviewed commit as `expect_commit`, so a source that
 * moved in between is refused rather than built unseen.
 */
import { Icon } from "./icons.tsx";
import { AgentName, Modal, OperationFooter, OperationProgress, type OperationTarget, PlanCommands, PlanStatus, PlanWarnings } from "./install-dialog.tsx";

function VersionBox({ label, version, commit, cls }: { label: string; version: string; commit: string; cls: string }) {
  return (
    <div class={`version-box ${cls}`}>
      <span class="version-label" safe>
        {label}
      </span>
      <strong class="version-number" x-text={version}></strong>
      <code class="version-commit" x-text={commit}></code>
    </div>
  );
}

export function UpdateDialog({ target }: { target: OperationTarget }) {
  return (
    <Modal title={`Update ${target.name}`} labelId={`update-title-${target.agentId}`} icon="upgrade" ref="dialog" wide>
      <div class="modal-body">
        <AgentName name={target.name} />
        <PlanStatus loading="Fetching the latest version (nothing is built yet)…" />
        <div class="plan" x-show="showPlan">
          <div class="callout callout-success" x-show="isUpToDate">
            <strong>Already up to date</strong>
            <p>
              The installed commit <code x-text="toShort"></code> is the latest of <code x-text="planRef"></code>.
            </p>
          </div>
          <div x-show="hasUpdate">
            <div class="version-range">
              <VersionBox label="Installed" version="fromVersionText" commit="fromShort" cls="version-from" />
              <span class="version-arrow" aria-hidden="true">
                →
              </span>
              <VersionBox label="New" version="toVersionText" commit="toShort" cls="version-to" />
            </div>
            <p class="hint" x-show="hasPinnedCommit" data-testid="update-pinned">
              <Icon name="shield" size={16} /> The registry pins this ref to <code x-text="pinnedCommit"></code>: the fetched commit matches (verified).
            </p>
            <div class="callout callout-danger" x-show="historyRewritten">
              <strong>History was rewritten</strong>
              <p>The new commit does not descend from the installed one. Someone force-pushed the branch: make sure you trust this source.</p>
            </div>
            <h3 class="section-label" x-text="commitsHeading"></h3>
            <ul class="commit-list">
              <template x-for="c in planCommits">
                <li>
                  <Icon name="commit" size={16} />
                  <code x-text="c.short"></code>
                  <span class="break" x-text="c.subject"></span>
                </li>
              </template>
            </ul>
            <h3 class="section-label">Permission changes</h3>
            <ul class="perm-diff">
              <template x-for="p in permsAdded">
                <li class="diff-add">
                  <span class="diff-sign" aria-label="added">
                    +
                  </span>
                  <span class="mono break" x-text="p"></span>
                  <span class="diff-note" x-text="addedNote(p)"></span>
                </li>
              </template>
              <template x-for="p in permsRemoved">
                <li class="diff-remove">
                  <span class="diff-sign" aria-label="removed">
                    −
                  </span>
                  <span class="mono break" x-text="p"></span>
                  <span class="diff-note">no longer requested; its approval is dropped</span>
                </li>
              </template>
            </ul>
            <p class="muted" x-show="noPermissionChanges">
              No permission changes.
            </p>
            <div class="callout callout-warning" x-show="hasEscalation">
              <strong>The agent will be disabled after this update</strong>
              <p>
                It asks for new permissions you have not approved. It stays installed but cannot run until you approve them (or enable it without them).
              </p>
            </div>
            <PlanCommands />
          </div>
          <PlanWarnings />
        </div>
        <OperationProgress />
      </div>
      <OperationFooter confirmLabel="Update and build" kind="update" />
    </Modal>
  );
}
