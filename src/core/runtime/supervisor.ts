/**
 * Supervises agent processes: launch (only installed AND enabled agents), the
 * hub handshake, heartbeats, stop, restarts with exponential backoff and a
 * budget, the kill switch, and recovery of orphans left by a crashed daemon.
 *
 * Ownership: one `Slot` per agent id, mutated only here. The router sees an
 * agent only through `link()`, which is defined while the agent is connected.
 */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { and, eq, isNull } from "drizzle-orm";
import { buildShutdown, type Message, type MessageOf } from "../../protocol/index.ts";
import { runs } from "../../db/schema.ts";
import { mixEnv } from "../agent-env.ts";
import { AppError } from "../errors.ts";
import { approvedEnvVars } from "../manifest/permissions.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { Services } from "../services.ts";
import type { AgentConnection } from "./agent-connection.ts";
import { entrypointArgv } from "./agent-command.ts";
import { AgentLog, pipeToLog } from "./agent-log.ts";
import { CallLimiter } from "./call-limits.ts";
import type { HubHandler } from "./hub.ts";
import { LaunchTokens } from "./launch-tokens.ts";
import { alive, processEnvVar, processTree, sessionMembers, signalAll } from "./process-tree.ts";
import type { AgentLink, Router } from "./router.ts";
import type { LastExit, RuntimeState, RuntimeStatus } from "./runtime-status.ts";

interface Slot {
  agentId: string;
  state: RuntimeState;
  desired: "running" | "stopped";
  proc: Subprocess | null;
  runId: number | null;
  launchId: number;
  link: AgentLink | null;
  startedAt: number | null;
  restarts: number;
  backoffMs: number | null;
  nextRestartAt: number | null;
  restartTimer: ReturnType<typeof setTimeout> | null;
  lastExit: LastExit | null;
  devMode: boolean;
  log: AgentLog;
  exited: Promise<void> | null;
  readyWaiters: Array<(err: Error | null) => void>;
}

export type Actor = "cli" | "ui" | "api" | "system";

export class Supervisor implements HubHandler {
  private readonly slots = new Map<string, Slot>();
  private readonly tokens: LaunchTokens;
  private launchSeq = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private stopping = false;

  constructor(
    private readonly s: Services,
    private readonly router: Router,
  ) {
    this.tokens = new LaunchTokens(s.clock, s.config.limits.token_ttl_ms);
  }

  private get limits() {
    return this.s.config.limits;
  }

  private isEnabled: (agentId: string) => boolean = () => true;

  /**
   * `isEnabled` is re-checked on every heartbeat tick, so an agent disabled by
   * another process (the CLI writing the catalog directly) is stopped too.
   */
  start(isEnabled?: (agentId: string) => boolean): void {
    if (isEnabled) this.isEnabled = isEnabled;
    this.recoverOrphans();
    const every = this.limits.heartbeat_interval_ms;
    this.heartbeatTimer = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.floor(every / 2)));
    this.heartbeatTimer.unref?.();
  }

  // ---------------------------------------------------------------- commands

  async run(agentId: string, actor: Actor, correlationId?: string): Promise<RuntimeStatus> {
    const { manifest, install } = this.runnable(agentId);
    const slot = this.slot(agentId);
    if (slot.state === "running" || slot.state === "starting" || slot.state === "stopping") {
      throw new AppError("already_running", `agent ${agentId} is already ${slot.state}`);
    }
    this.clearRestart(slot);
    slot.desired = "running";
    slot.restarts = 0;
    slot.devMode = install.devMode;
    this.s.audit.record({ actor, action: "agent.run", agentId, outcome: "started", correlationId: correlationId ?? null, details: { install_path: install.installPath } });
    try {
      await this.launch(slot, manifest, install.installPath);
      this.s.audit.record({ actor, action: "agent.run", agentId, outcome: "ok", correlationId: correlationId ?? null, details: { pid: slot.proc?.pid ?? null, tools: this.router.tools.list(agentId).length } });
    } catch (e) {
      // A crash before connecting is left to the restart policy (backoff, then failed).
      if (slot.state !== "backoff") slot.desired = "stopped";
      this.s.audit.record({ actor, action: "agent.run", agentId, outcome: "error", correlationId: correlationId ?? null, details: { error: (e as Error).message } });
      throw e;
    }
    return this.status(agentId);
  }

  async stop(agentId: string, actor: Actor, reason = "stopped by user"): Promise<RuntimeStatus> {
    const slot = this.slots.get(agentId);
    if (!slot || (slot.state !== "running" && slot.state !== "starting" && slot.state !== "backoff" && slot.state !== "stopping")) {
      throw new AppError("conflict", `agent ${agentId} is not running`);
    }
    await this.halt(slot, reason);
    this.s.audit.record({ actor, action: "agent.stop", agentId, outcome: "ok", details: { reason } });
    return this.status(agentId);
  }

  async restart(agentId: string, actor: Actor): Promise<RuntimeStatus> {
    const slot = this.slots.get(agentId);
    if (slot && (slot.state === "running" || slot.state === "starting" || slot.state === "backoff")) await this.halt(slot, "restart");
    this.s.audit.record({ actor, action: "agent.restart", agentId, outcome: "started" });
    return this.run(agentId, actor);
  }

  /** Kill switch: stops an agent at once (disable, uninstall, revoke). No grace for in-flight calls. */
  async killSwitch(agentId: string, reason: string): Promise<void> {
    const slot = this.slots.get(agentId);
    if (!slot || slot.state === "stopped" || slot.state === "failed" || slot.state === "exited") return;
    await this.halt(slot, reason, 0);
    this.s.audit.record({ actor: "system", action: "agent.kill_switch", agentId, outcome: "ok", details: { reason } });
  }

  status(agentId: string): RuntimeStatus {
    const slot = this.slots.get(agentId);
    const lastFrame = slot?.link?.conn.lastFrameAt;
    return {
      agentId,
      state: slot?.state ?? "stopped",
      pid: slot?.proc && slot.state !== "stopped" && slot.state !== "exited" && slot.state !== "failed" ? slot.proc.pid : null,
      connected: !!slot?.link && !slot.link.conn.isClosed(),
      healthy: !!slot?.link?.healthy,
      lastHeartbeatAt: lastFrame ? new Date(lastFrame).toISOString() : null,
      startedAt: slot?.startedAt ? new Date(slot.startedAt).toISOString() : null,
      restarts: slot?.restarts ?? 0,
      backoffMs: slot?.state === "backoff" ? slot.backoffMs : null,
      nextRestartAt: slot?.nextRestartAt ? new Date(slot.nextRestartAt).toISOString() : null,
      lastExit: slot?.lastExit ?? null,
      tools: this.router.tools.list(agentId).length,
      inflight: this.router.pendingCount(agentId),
      devMode: slot?.devMode ?? false,
    };
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
    await Promise.all([...this.slots.values()].filter((s) => s.proc && s.state !== "stopped").map((s) => this.halt(s, "daemon stopping")));
  }

  // ------------------------------------------------------------ hub handler

  authenticate(agentId: string, token: string) {
    const r = this.tokens.consume(agentId, token);
    if (!r.ok) {
      this.s.audit.record({ actor: "agent", action: "agent.handshake", agentId, outcome: "denied", details: { reason: r.reason } });
      return r;
    }
    const slot = this.slots.get(agentId);
    if (!slot || slot.launchId !== r.launchId || slot.state !== "starting") return { ok: false as const, reason: "no launch is waiting for this agent" };
    if (slot.link && !slot.link.conn.isClosed()) return { ok: false as const, reason: "agent is already connected" };
    return r;
  }

  maxConcurrentCalls(agentId: string): number {
    return this.limitsFor(agentId).maxConcurrency;
  }

  onReady(conn: AgentConnection, hello: MessageOf<"hello">): void {
    const slot = this.slot(conn.agentId!);
    const manifest = this.manifestOf(slot.agentId);
    const declared = new Set(manifest?.capabilities ?? []);
    const lim = this.limitsFor(slot.agentId);
    slot.link = {
      conn,
      healthy: true,
      limiter: new CallLimiter({ maxConcurrency: lim.maxConcurrency, callsPerMinute: lim.callsPerMinute, maxQueued: 256 }),
      defaultTimeoutMs: lim.timeoutMs,
      capabilities: hello.payload.capabilities.filter((c) => declared.has(c)),
    };
    slot.log.append("core", `connected (sdk ${hello.payload.sdk.name} ${hello.payload.sdk.version}, agent ${hello.payload.agent_version})`);
    this.emit(slot);
  }

  onMessage(conn: AgentConnection, msg: Message): void {
    const slot = this.slots.get(conn.agentId!);
    if (!slot || slot.link?.conn !== conn) return;
    if (msg.type === "tools.register") {
      const result = this.router.register(slot.agentId, msg);
      conn.send({ v: 1, type: "tools.registered", id: crypto.randomUUID(), reply_to: msg.id, payload: result });
      if (slot.state === "starting") {
        slot.state = "running";
        slot.startedAt = Date.now();
        for (const w of slot.readyWaiters.splice(0)) w(null);
      }
      this.emit(slot);
      return;
    }
    if (msg.type === "heartbeat") {
      if (!slot.link.healthy) {
        slot.link.healthy = true;
        slot.log.append("core", "healthy again");
        this.emit(slot);
      }
      return;
    }
    if (msg.type === "log") {
      slot.log.append("agent", msg.payload.message, msg.payload.level);
      return;
    }
    if (msg.type === "error") {
      slot.log.append("core", `agent reported protocol error ${msg.payload.code}: ${msg.payload.message}`);
      return;
    }
    if (!this.router.handleAgentFrame(conn, msg)) {
      conn.send({ v: 1, type: "error", id: crypto.randomUUID(), reply_to: msg.id, payload: { code: "bad_frame", message: `${msg.type} is not expected from an agent` } });
    }
  }

  onDisconnect(conn: AgentConnection, reason: string): void {
    const slot = this.slots.get(conn.agentId!);
    if (!slot || slot.link?.conn !== conn) return;
    slot.link = null;
    slot.log.append("core", `disconnected: ${reason}`);
    this.router.agentGone(slot.agentId, reason);
    // A connection lost while the process lives is a failure: end the process so the policy can act.
    if (slot.proc && slot.state === "running" && !this.stopping) void this.terminate(slot, 0);
    this.emit(slot);
  }

  // ---------------------------------------------------------------- internals

  private slot(agentId: string): Slot {
    let s = this.slots.get(agentId);
    if (!s) {
      s = {
        agentId,
        state: "stopped",
        desired: "stopped",
        proc: null,
        runId: null,
        launchId: 0,
        link: null,
        startedAt: null,
        restarts: 0,
        backoffMs: null,
        nextRestartAt: null,
        restartTimer: null,
        lastExit: null,
        devMode: false,
        log: new AgentLog(join(this.s.config.paths.logsDir, "agents", `${agentId}.log`), this.limits.agent_log_max_bytes),
        exited: null,
        readyWaiters: [],
      };
      this.slots.set(agentId, s);
    }
    return s;
  }

  private runnable(agentId: string): { manifest: Manifest; install: NonNullable<ReturnType<Services["catalog"]["installFor"]>> } {
    const install = this.s.catalog.installFor(agentId);
    if (!install || install.state !== "installed") throw new AppError("conflict", `agent ${agentId} is not installed (run: opensentience agents install ${agentId})`);
    if (!install.enabled) throw new AppError("conflict", `agent ${agentId} is not enabled (run: opensentience agents enable ${agentId} --approve ...)`);
    const manifest = this.manifestOf(agentId);
    if (!manifest) throw new AppError("invalid_manifest", `agent ${agentId} has no usable installed manifest`);
    return { manifest, install };
  }

  private manifestOf(agentId: string): Manifest | null {
    const i = this.s.catalog.installFor(agentId);
    if (!i?.manifestJson) return null;
    try {
      return JSON.parse(i.manifestJson) as Manifest;
    } catch {
      return null;
    }
  }

  private limitsFor(agentId: string) {
    const m = this.manifestOf(agentId)?.execution_limits;
    const L = this.limits;
    return {
      maxConcurrency: Math.min(m?.max_concurrency ?? L.max_concurrency, L.max_concurrency),
      callsPerMinute: Math.min(m?.calls_per_minute ?? L.calls_per_minute, L.calls_per_minute),
      timeoutMs: Math.min(m?.timeout_ms ?? L.default_tool_timeout_ms, L.max_tool_timeout_ms),
    };
  }

  private agentEnv(agentId: string, token: string): Record<string, string> {
    const env = mixEnv(this.s.config.paths);
    for (const name of approvedEnvVars(this.s.catalog.approvalsFor(agentId).map((a) => a.permission))) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
    env.OPENSENTIENCE_SOCKET = this.s.config.paths.agentSocket;
    env.OPENSENTIENCE_AGENT_ID = agentId;
    env.OPENSENTIENCE_TOKEN = token;
    return env;
  }

  private async launch(slot: Slot, manifest: Manifest, installPath: string): Promise<void> {
    const launchId = ++this.launchSeq;
    slot.launchId = launchId;
    const token = this.tokens.issue(slot.agentId, launchId);
    const argv = entrypointArgv(manifest, installPath);
    slot.state = "starting";
    slot.link = null;
    slot.log.append("core", `starting: ${argv.join(" ")} (in ${installPath})`);
    let proc: Subprocess<"ignore", "pipe", "pipe">;
    try {
      proc = Bun.spawn(argv, { cwd: installPath, env: this.agentEnv(slot.agentId, token), stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
    } catch (e) {
      this.tokens.revoke(slot.agentId);
      slot.state = "failed";
      slot.lastExit = { code: null, signal: null, reason: `could not start: ${(e as Error).message}`, at: new Date().toISOString() };
      this.emit(slot);
      throw new AppError("agent_unavailable", `cannot start ${slot.agentId}: ${(e as Error).message}`);
    }
    slot.proc = proc;
    const run = this.s.store.db
      .insert(runs)
      .values({ agentId: slot.agentId, pid: proc.pid, pgid: proc.pid, daemonPid: process.pid, startedAt: new Date().toISOString() })
      .returning({ id: runs.id })
      .get();
    slot.runId = run.id;
    void pipeToLog(proc.stdout, slot.log, "stdout");
    void pipeToLog(proc.stderr, slot.log, "stderr");
    slot.exited = proc.exited.then((code) => this.onExit(slot, proc, code));
    this.emit(slot);

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no connection within ${this.limits.token_ttl_ms} ms`)), this.limits.token_ttl_ms);
      const done = (err: Error | null) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      slot.readyWaiters.push(done);
    });
    try {
      await ready;
    } catch (e) {
      if (slot.proc === proc) await this.terminate(slot, 0);
      const tail = slot.log
        .tail(8)
        .map((l) => l.line)
        .join(" | ");
      throw new AppError("agent_unavailable", `agent ${slot.agentId} did not start: ${(e as Error).message}${tail ? ` — last output: ${tail.slice(-600)}` : ""}`);
    }
  }

  private onExit(slot: Slot, proc: Subprocess, code: number | null): void {
    if (slot.proc !== proc) return;
    const signal = proc.signalCode == null ? null : String(proc.signalCode);
    const wanted = slot.desired === "stopped" || slot.state === "stopping";
    const reason = wanted ? "stopped" : slot.state === "starting" ? "exited before connecting" : "crashed";
    const lastExit: LastExit = { code: code ?? null, signal, reason, at: new Date().toISOString() };
    slot.lastExit = lastExit;
    slot.proc = null;
    this.tokens.revoke(slot.agentId);
    // Orphaned children (port programs) must not outlive the agent.
    signalAll(sessionMembers(proc.pid), "SIGKILL");
    if (slot.runId !== null) {
      this.s.store.db.update(runs).set({ endedAt: lastExit.at, exitCode: code, signal, reason }).where(eq(runs.id, slot.runId)).run();
    }
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
    this.s.audit.record({ actor: "system", action: "agent.crash", agentId: slot.agentId, outcome: "error", details: { code, signal, reason } });
    this.scheduleRestart(slot);
  }

  private scheduleRestart(slot: Slot): void {
    if (slot.devMode) {
      slot.state = "exited";
      slot.desired = "stopped";
      slot.log.append("core", "dev mode: not restarting");
      this.emit(slot);
      return;
    }
    slot.restarts++;
    if (slot.restarts > this.limits.restart_budget) {
      slot.state = "failed";
      slot.desired = "stopped";
      slot.backoffMs = null;
      slot.nextRestartAt = null;
      this.s.audit.record({ actor: "system", action: "agent.failed", agentId: slot.agentId, outcome: "error", details: { restarts: slot.restarts - 1, budget: this.limits.restart_budget } });
      slot.log.append("core", `restart budget (${this.limits.restart_budget}) exhausted: failed until started again`);
      this.emit(slot);
      return;
    }
    const delay = Math.min(this.limits.restart_base_delay_ms * 2 ** (slot.restarts - 1), this.limits.restart_max_delay_ms);
    slot.state = "backoff";
    slot.backoffMs = delay;
    slot.nextRestartAt = Date.now() + delay;
    slot.log.append("core", `restarting in ${delay} ms (attempt ${slot.restarts} of ${this.limits.restart_budget})`);
    this.emit(slot);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      slot.nextRestartAt = null;
      if (slot.desired !== "running" || this.stopping) return;
      let target;
      try {
        target = this.runnable(slot.agentId);
      } catch (e) {
        slot.state = "failed";
        slot.lastExit = { code: null, signal: null, reason: (e as Error).message, at: new Date().toISOString() };
        this.emit(slot);
        return;
      }
      this.s.audit.record({ actor: "system", action: "agent.restart", agentId: slot.agentId, outcome: "started", details: { attempt: slot.restarts, delay_ms: delay } });
      this.launch(slot, target.manifest, target.install.installPath).catch((e) => {
        slot.log.append("core", `restart failed: ${(e as Error).message}`);
        // The exit handler has scheduled the next attempt (or marked the agent failed).
      });
    }, delay);
  }

  private clearRestart(slot: Slot): void {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    slot.nextRestartAt = null;
    slot.backoffMs = null;
  }

  /** Graceful stop: shutdown frame, wait `graceMs`, then TERM/KILL the process tree. */
  private async halt(slot: Slot, reason: string, graceMs = this.limits.shutdown_grace_ms): Promise<void> {
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
    const exited = slot.exited ?? proc.exited;
    if (graceMs > 0 && (await raceTimeout(exited, graceMs))) return;
    const tree = processTree(proc.pid);
    signalAll(tree, "SIGTERM");
    if (await raceTimeout(exited, Math.min(2000, Math.max(200, graceMs)))) {
      signalAll(processTree(proc.pid).concat(tree).filter(alive), "SIGKILL");
      return;
    }
    signalAll([...new Set([...tree, ...processTree(proc.pid)])], "SIGKILL");
    await exited;
  }

  private checkHeartbeats(): void {
    const interval = this.limits.heartbeat_interval_ms;
    const now = Date.now();
    for (const slot of this.slots.values()) {
      if ((slot.state === "running" || slot.state === "starting" || slot.state === "backoff") && !this.isEnabled(slot.agentId)) {
        void this.killSwitch(slot.agentId, "no longer installed and enabled");
        continue;
      }
      const link = slot.link;
      if (!link || slot.state !== "running") continue;
      if (link.healthy && now - link.conn.lastFrameAt > 3 * interval) {
        link.healthy = false;
        slot.log.append("core", `unhealthy: no frame for ${now - link.conn.lastFrameAt} ms`);
        this.s.audit.record({ actor: "system", action: "agent.unhealthy", agentId: slot.agentId, outcome: "error", details: { silent_ms: now - link.conn.lastFrameAt } });
        this.emit(slot);
        // Outside dev mode an unresponsive agent is restarted by the policy.
        if (!slot.devMode) void this.terminate(slot, 0);
      } else if (link.healthy && slot.restarts > 0 && slot.startedAt && now - slot.startedAt > this.limits.healthy_reset_ms) {
        slot.restarts = 0;
        this.emit(slot);
      }
    }
  }

  /** Kills agent processes recorded as running by a daemon that is gone, and closes their runs. */
  private recoverOrphans(): void {
    const open = this.s.store.db.select().from(runs).where(isNull(runs.endedAt)).all();
    for (const r of open) {
      let killed = 0;
      if (r.pid && alive(r.pid) && processEnvVar(r.pid, "OPENSENTIENCE_AGENT_ID") === r.agentId) {
        const members = sessionMembers(r.pid);
        signalAll(members, "SIGKILL");
        killed = members.length;
      }
      this.s.store.db
        .update(runs)
        .set({ endedAt: new Date().toISOString(), reason: killed ? "orphan killed at daemon start" : "daemon stopped unexpectedly" })
        .where(and(eq(runs.id, r.id), isNull(runs.endedAt)))
        .run();
      if (killed) this.s.audit.record({ actor: "system", action: "agent.orphan_killed", agentId: r.agentId, outcome: "ok", details: { pid: r.pid, processes: killed } });
    }
  }

  private emit(slot: Slot): void {
    this.s.events.emit({ type: "agent.status", agentId: slot.agentId, status: this.status(slot.agentId) as unknown as Record<string, unknown> });
  }
}

/** Resolves true if `p` settles within `ms`. */
async function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (t = setTimeout(() => res(false), ms)))]);
  clearTimeout(t);
  return r;
}
