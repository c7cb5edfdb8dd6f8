/**
 * Dialogs for long agent operations (install here, update in update-dialog.tsx).
 *
 * The markup is static; the `agentOperation` Alpine component (assets/install.js)
 * fills it: it loads the plan from the JSON API (`install-plan`/`update-plan`),
 * and on confirm subscribes to the SSE topic `progress:install:<id>`, POSTs the
 * operation (202) and follows it to the end (`GET /api/v1/operations/<id>?wait`).
 * Every dynamic value is bound with x-text (textContent): plan, registry and
 * build output text is hostile and never becomes markup.
 */
import type { Children } from "@kitajs/html";
import { Icon, type IconName } from "./icons.tsx";

/**
 * A native modal dialog; the surrounding Alpine component provides `close` and
 * owns `x-ref={ref}`. `labelId` must be unique on the page and built from
 * validated names only (agent ids, registry names): the title itself may be
 * hostile text and is never put into an attribute.
 */

/**
 * The outcome of a long operation, shown by the Alpine component when `show`
 * (an expression of that component) is true; `dismissible` adds a close button
 * wired to its `dismiss()`.
 */
export function ResultBox({ tone, show, dismissible = false, children }: { tone: "ok" | "failed"; show: string; dismissible?: boolean; children: Children }) {
  return (
    <div class={`result result-${tone}`} role={tone === "ok" ? "status" : "alert"} x-show={show}>
      <span class="result-icon" aria-hidden="true">
        <Icon name={tone === "ok" ? "check" : "cross"} size={20} />
      </span>
      <div class="result-body">{children}</div>
      {dismissible ? (
        <button type="button" class="modal-close" aria-label="Dismiss" x-on:click="dismiss">
          <Icon name="cross" size={16} />
        </button>
      ) : (
        ""
      )}
    </div>
  );
}

/**
 * The live step list of a long operation (install, update, registry sync), fed by
 * the Alpine component's `steps` / `isRunning`; `children` is the running label.
 */
export function ProgressSteps({ compact = false, children }: { compact?: boolean; children: Children }) {
  return (
    <>
      <ol class={compact ? "steps steps-compact" : "steps"} aria-live="polite">
        <template x-for="s in steps" x-bind:key="s.id">
          <li x-bind:class="s.cls">
            <span class="step-mark" aria-hidden="true"></span>
            <span class="step-label" x-text="s.label"></span>
            <span class="step-msg break" x-text="s.message"></span>
          </li>
        </template>
      </ol>
      <div class="loading-row" x-show="isRunning">
        <span class="spinner" aria-hidden="true"></span>
        {children}
      </div>
    </>
  );
}

export function Modal({ title, labelId, icon, ref, wide, tone, children }: { title: string; labelId: string; icon: IconName; ref: string; wide?: boolean; tone?: "danger"; children: Children }) {
  return (
    <dialog class={`modal${wide ? " modal-wide" : ""}${tone ? ` modal-${tone}` : ""}`} x-ref={ref} aria-labelledby={labelId}>
      <div class="modal-header">
        <span class="modal-icon" aria-hidden="true">
          <Icon name={icon} size={20} />
        </span>
        <h2 class="modal-title" id={labelId} safe>
          {title}
        </h2>
        <button type="button" class="modal-close" aria-label="Close" x-on:click="close">
          <Icon name="cross" size={18} />
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** Spinner + text while the plan loads, and the plan error with a retry. */
export function PlanStatus({ loading }: { loading: string }) {
  return (
    <>
      <div class="loading-row" x-show="isLoading">
        <span class="spinner" aria-hidden="true"></span>
        <span safe>{loading}</span>
      </div>
      <div class="callout callout-danger" role="alert" x-show="isPlanError" x-cloak>
        <strong>Could not prepare this operation</strong>
        <p class="break" x-text="planError"></p>
      </div>
    </>
  );
}

/** Live steps, build output and the result (shared by install and update). */
export function OperationProgress() {
  return (
    <div class="op-progress" x-show="showProgress" x-cloak>
      <ProgressSteps>
        <span x-text="runningText"></span>
      </ProgressSteps>
      <div class="log-wrap" x-show="hasLines">
        <div class="section-label">Build output</div>
        <pre class="build-log" x-ref="log" x-text="logText"></pre>
      </div>
      <ResultBox tone="ok" show="isSucceeded">
        <strong class="result-title" x-text="resultTitle"></strong>
        <p class="break" x-text="resultText"></p>
        <ul class="result-notes">
          <template x-for="n in resultNotes">
            <li class="break" x-text="n"></li>
          </template>
        </ul>
      </ResultBox>
      <ResultBox tone="failed" show="isFailed">
        <strong class="result-title" x-text="failTitle"></strong>
        <p class="break" x-text="errorMessage"></p>
        <div x-show="hasTail">
          <div class="section-label">Last lines of the build log</div>
          <pre class="build-log build-log-failed" x-text="tailText"></pre>
        </div>
      </ResultBox>
    </div>
  );
}

/** Footer buttons for the plan → running → done phases. */
export function OperationFooter({ confirmLabel, kind }: { confirmLabel: string; kind: "install" | "update" }) {
  return (
    <div class="modal-footer">
      <span class="footer-note footer-start" x-show="isRunning">
        You can close this window: the {kind} continues.
      </span>
      <button type="button" class="button button-secondary" x-on:click="loadPlan" x-show="isPlanError">
        Try again
      </button>
      <button type="button" class="button button-secondary" x-on:click="close" x-show="showCancel" x-text="cancelLabel">
        Cancel
      </button>
      <button type="button" class="button button-primary" x-on:click="confirm" x-show="canConfirm" data-confirm={kind}>
        <Icon name={kind === "install" ? "download" : "upgrade"} />
        <span safe>{confirmLabel}</span>
      </button>
      <button type="button" class="button button-primary" x-on:click="finish" x-show="isDone" data-finish={kind}>
        Done
      </button>
    </div>
  );
}

function PlanRow({ label, bind, cls = "" }: { label: string; bind: string; cls?: string }) {
  return (
    <div class="plan-row">
      <dt safe>{label}</dt>
      <dd class={cls} x-text={bind}></dd>
    </div>
  );
}

/** The commands block: `$ mix deps.get` … with the build variables. */
export function PlanCommands() {
  return (
    <>
      <h3 class="section-label">Commands that will run, in this order</h3>
      <ol class="commands">
        <template x-for="c in planCommands">
          <li>
            <span class="prompt" aria-hidden="true">
              $
            </span>
            <code x-text="c"></code>
          </li>
        </template>
      </ol>
      <p class="env-line">
        <span class="muted">Environment:</span>
        <template x-for="v in planEnv">
          <code class="env-var" x-text="v"></code>
        </template>
      </p>
      <dl class="plan-grid">
        <PlanRow label="Runs in" bind="planBuildDirectory" cls="mono break" />
        <PlanRow label="Installed to" bind="planInstallPath" cls="mono break" />
      </dl>
    </>
  );
}

export function PlanWarnings() {
  return (
    <div class="callout callout-warning" x-show="hasWarnings">
      <strong>Check before you continue</strong>
      <ul>
        <template x-for="w in planWarnings">
          <li class="break" x-text="w"></li>
        </template>
      </ul>
    </div>
  );
}

/** The display name for the result texts (read by install.js; kept out of attributes). */
export function AgentName({ name }: { name: string }) {
  return (
    <span hidden x-ref="agentName" safe>
      {name}
    </span>
  );
}

export interface OperationTarget {
  agentId: string;
  name: string;
  registry: string | null;
  local: boolean;
}

/** Install: source, exact commands, directory, permissions; then live progress and the result. */
export function InstallDialog({ target, rebuild }: { target: OperationTarget; rebuild?: boolean }) {
  const title = rebuild ? `Rebuild ${target.name}` : `Install ${target.name}`;
  return (
    <Modal title={title} labelId={`install-title-${target.agentId}`} icon="download" ref="dialog" wide>
      <div class="modal-body">
        <AgentName name={target.name} />
        <PlanStatus loading="Reading the install plan…" />
        <div class="plan" x-show="showPlan">
          <p class="modal-lead">
            {target.local ? "Building compiles this checkout in place" : "Installing downloads the code below and builds it"}:{" "}
            <strong>the build runs code from the project on this machine</strong>. Nothing else runs until you enable the agent.
          </p>
          <dl class="plan-grid">
            <PlanRow label="Source" bind="planSource" />
            <PlanRow label="Git URL" bind="planGitUrl" cls="mono break" />
            <PlanRow label="Ref" bind="planRef" cls="mono" />
            <PlanRow label="Commit" bind="planCommit" cls="mono break" />
          </dl>
          <PlanCommands />
          <h3 class="section-label">Permissions it asks for</h3>
          <ul class="perm-chips">
            <template x-for="p in planPermissions">
              <li class="mono break" x-text="p"></li>
            </template>
          </ul>
          <p class="muted" x-show="noPermissions">
            None.
          </p>
          <p class="hint">
            <Icon name="shield" size={16} /> Installing approves nothing: you choose which permissions to grant when you enable it.
          </p>
          <PlanWarnings />
        </div>
        <OperationProgress />
      </div>
      <OperationFooter confirmLabel={rebuild ? "Rebuild" : "Install and build"} kind="install" />
    </Modal>
  );
}
