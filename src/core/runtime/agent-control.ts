/**
 * Who starts and stops agents, and what the daemon remembers about it: run,
 * stop, restart, the kill switch, autostart and the resume after an update.
 * Each persists the agent's run intent (run-intent.ts) before acting, so a
 * daemon dying half-way restores what was asked, and audits it
 * (`details.intent`, `details.autostart`). The Supervisor carries out the
 * process side; this class never touches a slot.
 */
import type { Services } from "../services.ts";
import { AppError } from "../errors.ts";
import { type LaunchTarget, launchTarget } from "./launch-target.ts";
import type { RunIntents } from "./run-intent.ts";
import type { RuntimeStatus } from "./runtime-status.ts";
import { isActive, isDown } from "./slot.ts";
import type { Supervisor } from "./supervisor.ts";

export type Actor = "cli" | "ui" | "api" | "system";

export interface RunOptions {
  /** Start it again with the daemon while its intent is running. Default true (`restart` keeps the stored value). */
  autostart?: boolean;
  /** Copied onto this run's audit events. */
  correlationId?: string;
}

export type AutostartOutcome =
  | { agentId: string; outcome: "started" }
  | { agentId: string; outcome: "skipped"; reason: string }
  | { agentId: string; outcome: "failed"; error: string };

/** The kill-switch reason of an update swap: a pause, not a decision to stop (see AgentHooks). */
const UPDATING = "updating";

type Action = "agent.run" | "agent.autostart";

export class AgentControl {
  /** Agents the update kill switch stopped while active: started again by resumeAfterUpdate. */
  private readonly pausedForUpdate = new Set<string>();

  constructor(
    private readonly s: Pick<Services, "audit" | "catalog">,
    private readonly supervisor: Supervisor,
    private readonly intents: RunIntents,
  ) {}

  /** Starts an installed and enabled agent and resolves once its tools are registered; intent becomes running. */
  run(agentId: string, actor: Actor, opts: RunOptions = {}): Promise<RuntimeStatus> {
    return this.start(agentId, actor, "agent.run", opts.autostart ?? true, opts.correlationId);
  }

  /**
   * Stops the agent and records that it should stay stopped. Also accepted
   * for an agent that is not active but whose intent is running (it failed,
   * or the daemon did not start it): then only the intent changes.
   */
  async stop(agentId: string, actor: Actor, reason = "stopped by user"): Promise<RuntimeStatus> {
    const active = isActive(this.supervisor.state(agentId));
    const before = this.intents.get(agentId);
    if (!active && before?.intent !== "running") throw new AppError("conflict", `agent ${agentId} is not running`);
    // Recorded first: a daemon that dies during the stop must not start the agent again.
    const after = this.intents.set(agentId, "stopped");
    if (active) await this.supervisor.halt(agentId, reason);
    else this.supervisor.announce(agentId);
    this.s.audit.record({ actor, action: "agent.stop", agentId, outcome: "ok", details: { reason, intent: after?.intent ?? null, ...(active ? {} : { was_active: false }) } });
    return this.supervisor.status(agentId);
  }

  /** Stop (if active) and run again; the stored autostart choice is kept. */
  async restart(agentId: string, actor: Actor, opts: Pick<RunOptions, "correlationId"> = {}): Promise<RuntimeStatus> {
    const state = this.supervisor.state(agentId);
    if (state === "running" || state === "starting" || state === "backoff") await this.supervisor.halt(agentId, "restart");
    this.s.audit.record({ actor, action: "agent.restart", agentId, outcome: "started", correlationId: opts.correlationId ?? null });
    return this.start(agentId, actor, "agent.run", this.intents.get(agentId)?.autostart ?? true, opts.correlationId);
  }

  /**
   * Kill switch (disable, revoke, uninstall, escalation, or found not enabled
   * by the health tick): stops the agent at once, no grace for in-flight
   * calls, and its intent becomes stopped — someone must start it again. An
   * update swap (`updating`) only pauses it: the intent stays and
   * `resumeAfterUpdate` starts it again.
   */
  async killSwitch(agentId: string, reason: string): Promise<void> {
    const active = !isDown(this.supervisor.state(agentId));
    const before = this.intents.get(agentId);
    const after = reason === UPDATING ? before : this.intents.set(agentId, "stopped");
    if (reason === UPDATING && active) this.pausedForUpdate.add(agentId);
    const details = { reason, intent: after?.intent ?? null };
    if (!active) {
      // Nothing to stop, but a remembered "running" was withdrawn: say so (audit, UI).
      if (before?.intent === "running" && after?.intent === "stopped") {
        this.s.audit.record({ actor: "system", action: "agent.kill_switch", agentId, outcome: "ok", details: { ...details, was_active: false } });
        this.supervisor.announce(agentId);
      }
      return;
    }
    await this.supervisor.halt(agentId, reason, 0);
    this.s.audit.record({ actor: "system", action: "agent.kill_switch", agentId, outcome: "ok", details });
  }

  /**
   * After an update (swapped in, or failed and kept the old version): an agent
   * the swap stopped is started again, as `system`. One the update left not
   * runnable (an escalation disabled it) gets intent stopped, like any kill switch.
   */
  async resumeAfterUpdate(agentId: string): Promise<void> {
    const wasActive = this.pausedForUpdate.delete(agentId);
    if (this.intents.get(agentId)?.intent !== "running") return;
    try {
      launchTarget(this.s.catalog, agentId);
    } catch (e) {
      await this.killSwitch(agentId, `not runnable after the update: ${(e as Error).message}`);
      return;
    }
    if (!wasActive || isActive(this.supervisor.state(agentId))) return;
    await this.start(agentId, "system", "agent.run", this.intents.get(agentId)?.autostart ?? true).catch(() => {
      // Audited by start(); a crash is the restart policy's from here.
    });
  }

  /**
   * Daemon start: starts the agent if its stored intent still asks for it
   * (re-read here: the user may have stopped or started it since the list of
   * candidates was made). Never throws; a failure to start is audited and,
   * like any start, left to the restart policy.
   */
  async autostart(agentId: string): Promise<AutostartOutcome> {
    const stored = this.intents.get(agentId);
    if (stored?.intent !== "running" || !stored.autostart) return { agentId, outcome: "skipped", reason: "intent is no longer running with autostart" };
    const state = this.supervisor.state(agentId);
    if (isActive(state)) return { agentId, outcome: "skipped", reason: `already ${state}` };
    try {
      await this.start(agentId, "system", "agent.autostart", true);
      return { agentId, outcome: "started" };
    } catch (e) {
      return { agentId, outcome: "failed", error: (e as Error).message };
    }
  }

  /** The one path that starts an agent: check, refuse duplicates, persist intent, launch, audit under `action`. */
  private async start(agentId: string, actor: Actor, action: Action, autostart: boolean, correlationId?: string): Promise<RuntimeStatus> {
    const audit = (outcome: "started" | "ok" | "error", details: Record<string, unknown>) =>
      this.s.audit.record({ actor, action, agentId, outcome, correlationId: correlationId ?? null, details });
    let target: LaunchTarget;
    try {
      target = launchTarget(this.s.catalog, agentId);
    } catch (e) {
      // A person sees the refusal; the daemon's own attempt leaves a trace instead.
      if (action === "agent.autostart") audit("error", { error: (e as Error).message, runnable: false });
      throw e;
    }
    const state = this.supervisor.state(agentId);
    // Checked before the intent is written, so a refused duplicate changes nothing; no await until launch() claims the slot.
    if (state === "running" || state === "starting" || state === "stopping") throw new AppError("already_running", `agent ${agentId} is already ${state}`);
    const intent = this.intents.set(agentId, "running", autostart);
    audit("started", { install_path: target.installPath, intent: intent?.intent ?? null, autostart: intent?.autostart ?? autostart });
    try {
      await this.supervisor.launch(agentId, target);
    } catch (e) {
      // The intent stays running: a start that failed is retried by the restart policy or the next daemon start.
      audit("error", { error: (e as Error).message });
      throw e;
    }
    const st = this.supervisor.status(agentId);
    audit("ok", { pid: st.pid, tools: st.tools });
    return st;
  }
}
