/**
 * The runtime panel of the agent detail page: live state and, beside it, the
 * persisted run intent (what the next daemon start does), last heartbeat,
 * restarts, current backoff and the last exit, with run / stop / restart.
 * Behaviour is the `runtimeControls` Alpine component (assets/live.js): it
 * follows `agent.status` events and posts to the JSON API
 * (`/api/v1/agents/:id/{run,stop,restart}`) with the session's CSRF header.
 * Stop and restart ask for confirmation in a small dialog first. The panel
 * renders its initial state on the server, so nothing jumps when Alpine starts.
 */
import type { Children } from "@kitajs/html";
import type { AgentDetail } from "../../core/catalog/types.ts";
import type { RuntimeStatus } from "../../core/runtime/runtime-status.ts";
import { exitOfThisInstall } from "../runtime-view.ts";
import { Icon } from "./icons.tsx";

export interface RuntimeControlsProps {
  agent: AgentDetail;
  runtime: RuntimeStatus | null;
}

const TONE: Record<string, string> = { running: "success", starting: "info", stopping: "info", backoff: "warning", failed: "danger", exited: "neutral", stopped: "neutral" };

/**
 * The run intent in words: what the daemon does with the agent at its next
 * start. assets/live.js (`intentLabel`) says the same for live updates.
 */
export function intentLabel(rt: Pick<RuntimeStatus, "intent" | "autostart"> | null): string {
  if (!rt || rt.intent === "stopped") return "Stays stopped";
  return rt.autostart ? "Will start with the daemon" : "Won't start with the daemon (autostart off)";
}

function hintFor(agent: AgentDetail): string {
  const i = agent.install;
  if (!i) return "Install this agent first: only installed and enabled agents can run.";
  if (i.state !== "installed") return `The install is ${i.state.replace("_", " ")}: it can run once installed.`;
  if (!i.enabled) return "Enable this agent (approve its permissions) to run it.";
  return "";
}

function Row({ label, text, bind, children }: { label: string; text: string; bind: string; children?: Children }) {
  return (
    <div class="kv-row">
      <dt safe>{label}</dt>
      <dd>
        <span x-text={bind} data-testid={`runtime-${bind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`} safe>
          {text}
        </span>
        {children}
      </dd>
    </div>
  );
}

export function RuntimeControls({ agent, runtime }: RuntimeControlsProps) {
  if (!agent.id) return "";
  const i = agent.install;
  const install = i ? { state: i.state, enabled: i.enabled, devMode: i.devMode, installedAt: i.installedAt } : null;
  const state = runtime?.state ?? "stopped";
  const runnable = !!i && i.state === "installed" && i.enabled;
  const hint = hintFor(agent);
  const label = state === "running" && runtime && !runtime.healthy ? "Running (unhealthy)" : state.charAt(0).toUpperCase() + state.slice(1);
  const exit = exitOfThisInstall(runtime?.lastExit, i?.installedAt);
  return (
    <section class="card runtime-card" x-data="runtimeControls" data-agent={agent.id} data-initial={JSON.stringify({ install, runtime })} data-live-topics={`agent:${agent.id}`}>
      <div class="card-title-row">
        <h2 class="card-title">Runtime</h2>
        <span class={`runtime-state runtime-state-${TONE[state] ?? "neutral"}`} x-bind:class="stateClass" data-testid="runtime-state">
          <span class="runtime-dot" aria-hidden="true"></span>
          <span x-text="stateLabel" safe>
            {label}
          </span>
        </span>
      </div>
      <p class="runtime-intent" title="Desired state, kept across daemon restarts: set by Run, cleared by Stop, Disable or Revoke" data-testid="runtime-intent">
        <span x-text="intentLabel" safe>
          {intentLabel(runtime)}
        </span>
      </p>
      <p class="runtime-hint" x-bind:hidden="runnable" hidden={runnable} x-text="hint" safe>
        {hint}
      </p>
      <div class="runtime-actions" x-bind:hidden="notRunnable" hidden={!runnable}>
        <button type="button" class="button button-primary button-small" x-on:click="run" x-bind:disabled="cannotRun" data-runtime-action="run">
          <Icon name="play" size={16} />
          <span>Run</span>
        </button>
        <button type="button" class="button button-secondary button-small" x-on:click="askRestart" x-bind:disabled="cannotRestart" data-runtime-action="restart">
          <Icon name="refresh" size={16} />
          <span>Restart</span>
        </button>
        <button type="button" class="button button-danger-soft button-small" x-on:click="askStop" x-bind:disabled="cannotStop" data-runtime-action="stop">
          <Icon name="stop" size={16} />
          <span>Stop</span>
        </button>
        <span class="runtime-busy" x-bind:hidden="notBusy" x-text="busyLabel" hidden role="status"></span>
      </div>
      <p class="form-error" x-bind:hidden="noError" x-text="error" hidden role="alert"></p>
      <dl class="kv runtime-kv">
        <Row label="PID" text={runtime?.pid ? String(runtime.pid) : "—"} bind="pid" />
        <Row label="Started" text={runtime?.startedAt && state === "running" ? runtime.startedAt.slice(0, 19).replace("T", " ") : "—"} bind="startedAgo" />
        <Row label="Last heartbeat" text={runtime?.lastHeartbeatAt && state === "running" ? runtime.lastHeartbeatAt.slice(0, 19).replace("T", " ") : "—"} bind="heartbeat" />
        <Row label="Restarts" text={String(runtime?.restarts ?? 0)} bind="restarts" />
        <Row label="Backoff" text={state === "backoff" && runtime?.backoffMs ? `${runtime.backoffMs} ms` : "—"} bind="backoff" />
        <Row label="Last exit" text={exit ? `${exit.reason}${exit.signal ? ` (signal ${exit.signal})` : exit.code !== null ? ` (code ${exit.code})` : ""}` : "—"} bind="lastExit">
          <span class="muted runtime-exit-at" x-text="lastExitAt"></span>
        </Row>
        <Row label="Tools" text={String(runtime?.tools ?? 0)} bind="tools" />
      </dl>
      <div class="runtime-links">
        <a class="button button-ghost button-small" href={`/agents/${encodeURIComponent(agent.id)}/logs`}>
          <Icon name="logs" size={16} />
          <span>Logs</span>
        </a>
        <a class="button button-ghost button-small" href={`/chat?agent=${encodeURIComponent(agent.id)}`}>
          <Icon name="chat" size={16} />
          <span>Chat</span>
        </a>
      </div>
      <div class="dialog-backdrop" x-bind:hidden="notConfirming" x-on:click="backdrop" hidden>
        <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby={`confirm-title-${agent.id}`}>
          <h3 class="dialog-title" id={`confirm-title-${agent.id}`} x-text="confirmTitle"></h3>
          <p class="dialog-body" x-text="confirmBody"></p>
          <p class="dialog-agent mono" safe>
            {agent.id}
          </p>
          <div class="dialog-actions">
            <button type="button" class="button button-ghost" x-on:click="cancelConfirm" data-runtime-action="confirm-cancel">
              Cancel
            </button>
            <button type="button" class="button button-danger" x-on:click="confirm" x-ref="confirmButton" x-text="confirmLabel" data-runtime-action="confirm"></button>
          </div>
        </div>
      </div>
    </section>
  );
}
