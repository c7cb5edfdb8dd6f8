/**
 * Supervises agent processes: launch, halt, live status, and the reactions to
 * what sessions and processes report (connected, ready, silent, exited →
 * restart policy). Who may start or stop an agent, and the persisted run
 * intent, are decided one level up, in agent-control.ts.
 *
 * Ownership: one `Slot` per agent id, in `slots`, written only by this class.
 * The pieces it delegates to only decide or act outside the slot:
 *   agent-session.ts   hub handler: handshake checks, tools.register, frames
 *   restart-policy.ts  backoff, budget, healthy reset (pure)
 *   agent-process.ts   spawn with piped logs, terminate the process tree
 *   run-ledger.ts      the `runs` rows; orphan-recovery.ts sweeps them at start
 * The router sees an agent only through `link()`, defined while it is connected.
 */
import { join } from "node:path";
import { buildShutdown, type MessageOf } from "../../protocol/index.ts";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { Services } from "../services.ts";
import { startEgressProxy } from "../sandbox/egress-proxy.ts";
import { sandboxLauncherFor } from "../sandbox/for-config.ts";
import type { SandboxLauncher, SandboxView } from "../sandbox/launcher.ts";
import type { AgentLimits } from "../sandbox/limits.ts";
import { agentCommand, toolchainEbins } from "./agent-command.ts";
import { AgentLog } from "./agent-log.ts";
import { type AgentProcess, agentEnvironment, killMarked, reapSession, spawnAgent, terminateTree } from "./agent-process.ts";
import { AgentSessions, type SessionHost, silentForMs } from "./agent-session.ts";
import { type LaunchTarget, launchTarget } from "./launch-target.ts";
import { LaunchTokens } from "./launch-tokens.ts";
import { recoverOrphans } from "./orphan-recovery.ts";
import { decideRestart, shouldForgiveRestarts } from "./restart-policy.ts";
import type { AgentLink, Router } from "./router.ts";
import { NO_INTENT, type RunIntents } from "./run-intent.ts";
import { RunLedger } from "./run-ledger.ts";
import type { LastExit, RuntimeState, RuntimeStatus } from "./runtime-status.ts";
import { newSlot, type Slot, slotStatus } from "./slot.ts";

/** What the health tick needs from the level above. */
export interface SupervisorHooks {
  /** Installed and enabled right now (re-read: another process may have changed the catalog). */
  isEnabled(agentId: string): boolean;
  /** An active agent is no longer installed and enabled: apply the kill switch. */
  noLongerRunnable(agentId: string): Promise<void>;
}

export class Supervisor {
  private readonly slots = new Map<string, Slot>();
  private readonly tokens: LaunchTokens;
  private readonly ledger: RunLedger;
  /** The hub handler for agent connections (pass it to the Hub). */
  readonly sessions: AgentSessions;
  private launchSeq = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private stopping = false;
  private hooks: SupervisorHooks = { isEnabled: () => true, noLongerRunnable: async () => {} };

  constructor(
    private readonly s: Services,
    private readonly router: Router,
    /** Read for status only (the intent is shown beside the live state); written by AgentControl. */
    private readonly intents: RunIntents,
  ) {
    this.tokens = new LaunchTokens(s.clock, s.config.limits.token_ttl_ms);
    this.ledger = new RunLedger(s.store.db);
    this.sandbox = sandboxLauncherFor(s.config, { manifestOf: (id) => s.catalog.installedManifest(id), moveSelf: true });
    this.sessions = new AgentSessions({ audit: s.audit, tokens: this.tokens, router, host: this.host, manifestOf: (id) => s.catalog.installedManifest(id), limits: s.config.limits, metrics: s.metrics });
  }

  /** Turns an agent's approved permissions into its sandbox (see src/core/sandbox). */
  readonly sandbox: SandboxLauncher;

  private get limits() {
    return this.s.config.limits;
  }

  /**
   * Kills orphans of a crashed daemon, then starts the health timer. The hooks
   * are consulted on every tick, so an agent disabled by another process (the
   * CLI writing the catalog directly) is stopped too.
   */
  start(hooks?: SupervisorHooks): void {
    if (hooks) this.hooks = hooks;
    recoverOrphans(this.ledger, this.s.audit);
    const every = this.limits.heartbeat_interval_ms;
    this.heartbeatTimer = setInterval(() => this.checkHealth(), Math.max(50, Math.floor(every / 2)));
    this.heartbeatTimer.unref?.();
  }

  // ------------------------------------------------------------ transitions

  /**
   * Starts the agent's process afresh (restart counter reset) and resolves once
   * it registered its tools. `already_running` while it has a process; on a
   * failure to start (AppError `agent_unavailable`), a crash before connecting
   * is left to the restart policy (backoff, then failed).
   */
  async launch(agentId: string, target: LaunchTarget): Promise<void> {
    if (this.stopping) throw new AppError("conflict", `the daemon is stopping; not starting ${agentId}`);
    const slot = this.slot(agentId);
    if (slot.state === "running" || slot.state === "starting" || slot.state === "stopping") {
      throw new AppError("already_running", `agent ${agentId} is already ${slot.state}`);
    }
    this.clearRestart(slot);
    slot.desired = "running";
    slot.restarts = 0;
    slot.devMode = target.devMode;
    try {
      await this.spawnAndWait(slot, target.manifest, target.installPath);
    } catch (e) {
      if (slot.state !== "backoff") slot.desired = "stopped";
      throw e;
    }
  }

  /**
   * Stops the agent: `shutdown` frame, `graceMs` to exit, then TERM/KILL of its
   * process tree (graceMs 0: the kill switch, no grace for in-flight calls).
   * Also cancels a pending restart. Resolves once the process is gone.
   */
  async halt(agentId: string, reason: string, graceMs = this.limits.shutdown_grace_ms): Promise<void> {
    const slot = this.slots.get(agentId);
    if (slot) await this.haltSlot(slot, reason, graceMs);
  }

  /** The live state of an agent ("stopped" when this daemon never ran it). */
  state(agentId: string): RuntimeState {
    return this.slots.get(agentId)?.state ?? "stopped";
  }

  /** Publishes the agent's status (`agent.status`); also for changes that are not a state change, e.g. a new run intent. */
  announce(agentId: string): void {
    this.s.events.emit({ type: "agent.status", agentId, status: this.status(agentId) as unknown as Record<string, unknown> });
  }

  status(agentId: string): RuntimeStatus {
    const intent = this.intents.get(agentId) ?? NO_INTENT;
    return slotStatus(agentId, this.slots.get(agentId), { tools: this.router.tools.list(agentId).length, rejectedTools: [...this.router.tools.rejected(agentId)], inflight: this.router.pendingCount(agentId), ...intent });
  }

  statuses(): RuntimeStatus[] {
    return [...this.slots.keys()].sort().map((id) => this.status(id));
  }

  logFor(agentId: string): AgentLog {
    return this.slot(agentId).log;
  }

  link(agentId: string): AgentLink | undefined {
    return this.slots.get(agentId)?.link ?? undefined;
  }

  /** Stops every agent (daemon shutdown). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await Promise.all([...this.slots.values()].filter((s) => s.proc && s.state !== "stopped").map((s) => this.haltSlot(s, "daemon stopping")));
  }

  // ------------------------------------------------------- session reports

  private readonly host: SessionHost = {
    slotOf: (agentId) => this.slots.get(agentId),
    connected: (slot, link, hello: MessageOf<"hello">) => {
      slot.link = link;
      slot.log.append("core", `connected (sdk ${hello.payload.sdk.name} ${hello.payload.sdk.version}, agent ${hello.payload.agent_version})`);
      this.emit(slot);
    },
    toolsRegistered: (slot) => {
      if (slot.state === "starting") {
        slot.state = "running";
        slot.startedAt = Date.now();
        for (const w of slot.readyWaiters.splice(0)) w(null);
      }
      this.emit(slot);
    },
    healthyAgain: (slot) => {
      if (!slot.link) return;
      slot.link.healthy = true;
      slot.log.append("core", "healthy again");
      this.emit(slot);
    },
    disconnected: (slot, reason) => {
      slot.link = null;
      slot.log.append("core", `disconnected: ${reason}`);
      this.router.agentGone(slot.agentId, reason);
      // A connection lost while the process lives is a failure: end the process so the policy can act.
      if (slot.proc && slot.state === "running" && !this.stopping) void this.terminate(slot, 0);
      this.emit(slot);
    },
  };

  // ---------------------------------------------------------------- internals

  private slot(agentId: string): Slot {
    let s = this.slots.get(agentId);
    if (!s) {
      s = newSlot(agentId, new AgentLog(join(this.s.config.paths.logsDir, "agents", `${agentId}.log`), this.limits.agent_log_max_bytes, this.s.config.retention.agent_log_files));
      this.slots.set(agentId, s);
    }
    return s;
  }

  /** Spawns the agent and resolves once it registered its tools; rejects (process ended) if it does not within the token TTL. */
  private async spawnAndWait(slot: Slot, manifest: Manifest, installPath: string): Promise<void> {
    const launchId = ++this.launchSeq;
    slot.launchId = launchId;
    const token = this.tokens.issue(slot.agentId, launchId);
    const command = agentCommand(manifest, installPath, { devMode: slot.devMode, elixirEbins: toolchainEbins() });
    const argv = command.argv;
    slot.state = "starting";
    slot.link = null;
    slot.log.append("core", command.note);
    slot.log.append("core", `starting: ${argv.join(" ")} (in ${installPath})`);
    let proc: AgentProcess;
    let limits: AgentLimits | null = null;
    try {
      const approved = this.s.catalog.approvalsFor(slot.agentId).map((a) => a.permission);
      const env = agentEnvironment({ paths: this.s.config.paths, agentId: slot.agentId, approved, token });
      const prepared = this.sandbox.prepare({ agentId: slot.agentId, installPath, devMode: slot.devMode, approved, argv, env, manifest });
      limits = prepared.limits;
      slot.sandbox = prepared.view;
      this.recordLaunch(slot, prepared.view);
      if (prepared.egress) slot.egress = await this.startEgress(slot.agentId, prepared.egress);
      proc = spawnAgent({ agentId: slot.agentId, argv: prepared.argv, cwd: installPath, env: prepared.env, log: slot.log });
    } catch (e) {
      limits?.release();
      void this.closeEgress(slot);
      this.tokens.revoke(slot.agentId);
      slot.state = "failed";
      const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error) : (e as Error);
      slot.lastExit = { code: null, signal: null, reason: `could not start: ${cause.message}`, at: new Date().toISOString() };
      this.emit(slot);
      throw e;
    }
    slot.proc = proc;
    slot.runId = this.ledger.open(slot.agentId, proc.pid);
    slot.exited = proc.exited.then((code) => this.onExit(slot, proc, code, limits));
    this.emit(slot);
    try {
      await this.whenReady(slot);
    } catch (e) {
      if (slot.proc === proc) await this.terminate(slot, 0);
      const tail = slot.log
        .tail(8)
        .map((l) => l.line)
        .join(" | ");
      throw new AppError("agent_unavailable", `agent ${slot.agentId} did not start: ${(e as Error).message}${tail ? ` — last output: ${tail.slice(-600)}` : ""}`);
    }
  }

  /** The sandbox of the agent's current process (null when none runs). */
  sandboxOf(agentId: string): SandboxView | null {
    const slot = this.slots.get(agentId);
    return slot?.proc ? slot.sandbox : null;
  }

  /** Every launch says how the agent is confined: in its log, and in the audit trail with the exact plan. */
  private recordLaunch(slot: Slot, view: SandboxView): void {
    const p = view.plan;
    slot.log.append("core", view.sandboxed && p ? `sandbox: on (network ${p.network.mode}${p.network.mode === "proxy" ? ` ${p.network.allow.join(",")}` : ""}, ${p.spawn ? "may" : "may not"} start programs, ${p.mounts.length} mounts)` : `sandbox: OFF — ${view.reason}; the agent runs with your user's full access`);
    for (const r of p?.refused ?? []) slot.log.append("core", `sandbox: not granted ${r.permission}: ${r.reason}`);
    this.s.audit.record({
      actor: "system",
      action: "agent.launch",
      agentId: slot.agentId,
      outcome: "ok",
      details: p
        ? { sandboxed: true, policy: view.policy, network: p.network, spawn: p.spawn, mounts: p.mounts.map((m) => `${m.kind} ${m.target}`), refused: p.refused }
        : { sandboxed: false, policy: view.policy, reason: view.reason },
    });
  }

  private async startEgress(agentId: string, e: { socketPath: string; allow: string[] }): Promise<{ close(): Promise<void> }> {
    let recent = 0;
    let windowStart = Date.now();
    return startEgressProxy({
      agentId,
      socketPath: e.socketPath,
      allow: e.allow,
      // Refusals are audited, at most 60 a minute per agent so a flood cannot fill the log.
      audit: (ev) => {
        if (ev.allowed) return;
        if (Date.now() - windowStart > 60_000) [recent, windowStart] = [0, Date.now()];
        if (++recent > 60) return;
        this.s.audit.record({ actor: "agent", action: "agent.egress_denied", agentId, outcome: "denied", details: { host: ev.host, port: ev.port, reason: ev.reason ?? null } });
      },
    });
  }

  private async closeEgress(slot: Slot): Promise<void> {
    const e = slot.egress;
    slot.egress = null;
    await e?.close().catch(() => {});
  }

  /** Settles when the session reports `tools.register` (resolve) or the process ends or the token TTL passes (reject). */
  private whenReady(slot: Slot): Promise<void> {
    const ttl = this.limits.token_ttl_ms;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no connection within ${ttl} ms`)), ttl);
      const done = (err: Error | null) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      slot.readyWaiters.push(done);
    });
  }

  private onExit(slot: Slot, proc: AgentProcess, code: number | null, limits: AgentLimits | null = null): void {
    if (slot.proc !== proc) return;
    const signal = proc.signalCode == null ? null : String(proc.signalCode);
    const wanted = slot.desired === "stopped" || slot.state === "stopping";
    // Kills what is left in the run's cgroups and removes them; an OOM kill there is a crash with a name.
    const oomKills = limits?.release().oomKills ?? 0;
    const reason = wanted ? "stopped" : oomKills > 0 ? "out of memory" : slot.state === "starting" ? "exited before connecting" : "crashed";
    const lastExit: LastExit = { code: code ?? null, signal, reason, at: new Date().toISOString() };
    slot.lastExit = lastExit;
    slot.proc = null;
    this.tokens.revoke(slot.agentId);
    reapSession(proc.pid);
    killMarked(slot.agentId);
    void this.closeEgress(slot);
    if (slot.runId !== null) this.ledger.close(slot.runId, { endedAt: lastExit.at, exitCode: code, signal, reason });
    if (slot.link) {
      const l = slot.link;
      slot.link = null;
      l.conn.close("agent process exited");
      this.router.agentGone(slot.agentId, `process exited (${signal ?? `code ${code}`})`);
    }
    slot.log.append("core", `exited: ${signal ? `signal ${signal}` : `code ${code}`} (${reason})`);
    for (const w of slot.readyWaiters.splice(0)) w(new Error(`process exited (${signal ?? `code ${code}`})`));
    if (wanted || this.stopping) {
      slot.state = "stopped";
      this.emit(slot);
      return;
    }
    if (oomKills > 0) {
      slot.log.append("core", `killed: out of memory (limit ${limits?.view.memoryMb} MB, ${limits?.view.enforced.memory})`);
      this.s.audit.record({ actor: "system", action: "agent.oom", agentId: slot.agentId, outcome: "error", details: { memory_mb: limits?.view.memoryMb, mechanism: limits?.view.enforced.memory, oom_kills: oomKills, code, signal } });
    }
    this.s.audit.record({ actor: "system", action: "agent.crash", agentId: slot.agentId, outcome: "error", details: { code, signal, reason } });
    this.applyRestartPolicy(slot);
  }

  private applyRestartPolicy(slot: Slot): void {
    const d = decideRestart(slot.restarts, slot.devMode, this.limits);
    if (d.kind === "stay_exited") {
      slot.state = "exited";
      slot.desired = "stopped";
      slot.log.append("core", "dev mode: not restarting");
      this.emit(slot);
      return;
    }
    slot.restarts = d.attempt;
    if (d.kind === "give_up") {
      slot.state = "failed";
      slot.desired = "stopped";
      slot.backoffMs = null;
      slot.nextRestartAt = null;
      this.s.audit.record({ actor: "system", action: "agent.failed", agentId: slot.agentId, outcome: "error", details: { restarts: d.attempt - 1, budget: d.budget } });
      slot.log.append("core", `restart budget (${d.budget}) exhausted: failed until started again`);
      this.emit(slot);
      return;
    }
    slot.state = "backoff";
    slot.backoffMs = d.delayMs;
    slot.nextRestartAt = Date.now() + d.delayMs;
    slot.log.append("core", `restarting in ${d.delayMs} ms (attempt ${d.attempt} of ${this.limits.restart_budget})`);
    this.emit(slot);
    slot.restartTimer = setTimeout(() => this.restartAfterBackoff(slot, d.attempt, d.delayMs), d.delayMs);
  }

  private restartAfterBackoff(slot: Slot, attempt: number, delayMs: number): void {
    slot.restartTimer = null;
    slot.nextRestartAt = null;
    if (slot.desired !== "running" || this.stopping) return;
    let target: LaunchTarget;
    try {
      target = launchTarget(this.s.catalog, slot.agentId);
    } catch (e) {
      slot.state = "failed";
      slot.lastExit = { code: null, signal: null, reason: (e as Error).message, at: new Date().toISOString() };
      this.emit(slot);
      return;
    }
    this.s.audit.record({ actor: "system", action: "agent.restart", agentId: slot.agentId, outcome: "started", details: { attempt, delay_ms: delayMs } });
    this.spawnAndWait(slot, target.manifest, target.installPath).catch((e) => {
      slot.log.append("core", `restart failed: ${(e as Error).message}`);
      // The exit handler has scheduled the next attempt (or marked the agent failed).
    });
  }

  private clearRestart(slot: Slot): void {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    slot.nextRestartAt = null;
    slot.backoffMs = null;
  }

  private async haltSlot(slot: Slot, reason: string, graceMs = this.limits.shutdown_grace_ms): Promise<void> {
    slot.desired = "stopped";
    this.clearRestart(slot);
    if (!slot.proc) {
      slot.state = "stopped";
      this.emit(slot);
      return;
    }
    slot.state = "stopping";
    this.emit(slot);
    slot.link?.conn.send(buildShutdown({ reason, grace_ms: graceMs }, {}));
    await this.terminate(slot, graceMs);
  }

  private async terminate(slot: Slot, graceMs: number): Promise<void> {
    const proc = slot.proc;
    if (!proc) return;
    await terminateTree(proc.pid, slot.exited ?? proc.exited, graceMs);
  }

  /** Timer tick: the kill switch for agents disabled elsewhere, silent agents, and forgiving old crashes. */
  private checkHealth(): void {
    const now = Date.now();
    for (const slot of this.slots.values()) {
      if ((slot.state === "running" || slot.state === "starting" || slot.state === "backoff") && !this.hooks.isEnabled(slot.agentId)) {
        void this.hooks.noLongerRunnable(slot.agentId);
        continue;
      }
      const link = slot.link;
      if (!link || slot.state !== "running" || !link.healthy) continue;
      const silent = silentForMs(link, now, this.limits.heartbeat_interval_ms);
      if (silent !== null) {
        link.healthy = false;
        slot.log.append("core", `unhealthy: no frame for ${silent} ms`);
        this.s.audit.record({ actor: "system", action: "agent.unhealthy", agentId: slot.agentId, outcome: "error", details: { silent_ms: silent } });
        this.emit(slot);
        // Outside dev mode an unresponsive agent is restarted by the policy.
        if (!slot.devMode) void this.terminate(slot, 0);
      } else if (shouldForgiveRestarts(slot.restarts, link.healthy, slot.startedAt, now, this.limits)) {
        slot.restarts = 0;
        this.emit(slot);
      }
    }
  }

  private emit(slot: Slot): void {
    this.announce(slot.agentId);
  }
}
