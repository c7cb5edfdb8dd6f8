/**
 * The agent runtime as one service: hub + supervisor + router, and the
 * control layer that persists run intent. Adapters (CLI via the daemon API,
 * web UI, chat) call these methods only.
 */
import { AppError } from "../errors.ts";
import type { SandboxView } from "../sandbox/launcher.ts";
import type { Services } from "../services.ts";
import type { LogLine } from "./agent-log.ts";
import { Hub } from "./hub.ts";
import { type CallOutcome, type CallRequest, type ChatOutcome, type ChatRequest, Router } from "./router.ts";
import type { RuntimeStatus } from "./runtime-status.ts";
import { type Actor, AgentControl, type RunOptions } from "./agent-control.ts";
import { type AutostartReport, autostartAll } from "./autostart.ts";
import { RunIntents } from "./run-intent.ts";
import { Supervisor } from "./supervisor.ts";
import { Tracer } from "../tracing/tracer.ts";
import { PolicyCache } from "./policy-cache.ts";
import type { RejectedTool, ToolInfo } from "./tool-registry.ts";

export type { Actor, RunOptions };

export class Runtime {
  readonly router: Router;
  readonly supervisor: Supervisor;
  readonly hub: Hub;
  /** Spans of tool calls and chat turns (in memory; exported only with an OTLP endpoint). */
  readonly tracer: Tracer;
  private readonly control: AgentControl;
  private readonly intents: RunIntents;
  private unhooks: Array<() => void> = [];
  private autostarting: Promise<AutostartReport> | null = null;
  private stopping = false;

  constructor(private readonly s: Services) {
    const L = s.config.limits;
    // Enabled flag and approvals, cached until installs/approvals change (one counter read per call).
    const policies = new PolicyCache(s.store.sqlite);
    this.tracer = new Tracer(s.config.tracing);
    this.router = new Router({
      audit: s.audit,
      events: s.events,
      link: (id) => this.supervisor.link(id),
      policy: (id) => policies.get(id),
      requestedPermissions: (id) => new Set(s.catalog.installedManifest(id)?.permissions ?? []),
      maxTimeoutMs: L.max_tool_timeout_ms,
      tracer: this.tracer,
      // metrics.enabled: false takes counting off the hot path altogether (the router then holds no Metrics).
      ...(s.config.metrics.enabled ? { metrics: s.metrics } : {}),
    });
    // Pinned tool surfaces: a registration whose tools differ from what the operator approved gets those tools blocked.
    this.router.tools.surfaceGate = (id, specs) => s.toolPins.checkRegistration(id, specs, { devMode: s.catalog.installFor(id)?.devMode ?? false });
    this.intents = new RunIntents(s.store.sqlite);
    this.supervisor = new Supervisor(s, this.router, this.intents);
    this.control = new AgentControl(s, this.supervisor, this.intents);
    this.hub = new Hub(
      {
        socketPath: s.config.paths.agentSocket,
        maxFrameBytes: L.max_frame_bytes,
        handshakeTimeoutMs: L.handshake_timeout_ms,
        heartbeatIntervalMs: L.heartbeat_interval_ms,
      },
      this.supervisor.sessions,
    );
  }

  /** Listens on the agent socket, kills orphans of a crashed daemon, and starts supervising. Starts no agent. */
  async start(): Promise<void> {
    await this.hub.start();
    // Loads the OTLP exporter only when an endpoint is configured; never rejects.
    void this.tracer.start();
    this.s.metrics.bindRuntime({
      isTool: (id) => !!this.router.tools.get(id),
      // The router's policy cache, not a catalog query: metrics ask this for every call to an unregistered tool
      // (a typo, a stopped agent's tool, a made-up id), and the cache stays exact (policy-cache.ts).
      knowsAgent: (id) => !!this.supervisor.link(id) || this.router.policy(id).installed === true,
      statuses: () => this.supervisor.statuses(),
      connection: (id) => this.supervisor.link(id)?.conn ?? null,
      announce: (id) => this.supervisor.announce(id),
    });
    if (this.s.config.metrics.enabled) this.s.metrics.start();
    // Kill switch: disable, revoke, uninstall and update stop a running agent at once; an update resumes it after.
    this.unhooks.push(this.s.agentHooks.onStop((id, reason) => this.control.killSwitch(id, reason)));
    this.unhooks.push(this.s.agentHooks.onResume((id) => this.control.resumeAfterUpdate(id)));
    // A re-approval (enable) unblocks the tools it approved at once, without a restart.
    this.unhooks.push(
      this.s.events.on((e) => {
        if (e.type !== "agent.status" || e.status.reason !== "enabled" || !this.router.tools.list(e.agentId).length) return;
        this.router.tools.applySurfaceGate(e.agentId);
        this.s.events.emit({ type: "tools.changed", agentId: e.agentId });
      }),
    );
    this.supervisor.start({
      isEnabled: (id) => this.router.policy(id).enabled,
      noLongerRunnable: (id) => this.control.killSwitch(id, "no longer installed and enabled"),
    });
  }

  /**
   * Starts, staggered (see autostart.ts), every installed and enabled agent
   * whose run intent is running with autostart on, as `system` (audited as
   * `agent.autostart`). Call once, after start(); the daemon does not wait for
   * it. Resolves with what happened to each agent; never rejects.
   */
  autostart(): Promise<AutostartReport> {
    this.autostarting ??= autostartAll({
      agentIds: this.intents.autostartCandidates(),
      startOne: (id) => this.control.autostart(id),
      cancelled: () => this.stopping,
    });
    return this.autostarting;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.s.metrics.stop();
    for (const u of this.unhooks.splice(0)) u();
    await this.supervisor.shutdown();
    // Autostart starts nothing more once stopping; wait for the attempts in flight (the shutdown ended them).
    await this.autostarting;
    await this.hub.stop();
    await this.tracer.shutdown();
  }

  /** Starts the agent (installed and enabled only); its intent becomes running, with `opts.autostart` (default true). */
  run(agentId: string, actor: Actor, opts: RunOptions = {}): Promise<RuntimeStatus> {
    return this.control.run(agentId, actor, opts);
  }

  /** Stops the agent; its intent becomes stopped (also accepted when only the intent was still running). */
  stopAgent(agentId: string, actor: Actor): Promise<RuntimeStatus> {
    return this.control.stop(agentId, actor);
  }

  /** Stops (if active) and starts again; the stored autostart choice is kept. */
  restart(agentId: string, actor: Actor, opts: Pick<RunOptions, "correlationId"> = {}): Promise<RuntimeStatus> {
    return this.control.restart(agentId, actor, opts);
  }

  killSwitch(agentId: string, reason: string): Promise<void> {
    return this.control.killSwitch(agentId, reason);
  }

  /**
   * How the agent is confined: the running process's sandbox, or — when it is
   * not running — the one it would get now. Null when it is not installed.
   */
  sandboxView(agentId: string): SandboxView | null {
    const live = this.supervisor.sandboxOf(agentId);
    if (live) return live;
    const install = this.s.catalog.installFor(agentId);
    if (!install || install.state !== "installed") return null;
    const approved = this.s.catalog.approvalsFor(agentId).map((a) => a.permission);
    return this.supervisor.sandbox.describe(agentId, install.installPath, install.devMode, approved);
  }

  status(agentId: string): RuntimeStatus {
    return this.supervisor.status(agentId);
  }

  statuses(): RuntimeStatus[] {
    return this.supervisor.statuses();
  }

  logs(agentId: string, n = 200): LogLine[] {
    return this.supervisor.logFor(agentId).tail(n);
  }

  followLogs(agentId: string, fn: (l: LogLine) => void): () => void {
    return this.supervisor.logFor(agentId).subscribe(fn);
  }

  tools(agentId?: string): ToolInfo[] {
    return this.router.listTools(agentId);
  }

  /** Tools running agents offered but registration refused, with why (cleared when the agent registers again or goes away). */
  rejectedTools(agentId?: string): Array<RejectedTool & { agentId: string }> {
    return this.router.tools.rejectedAll(agentId);
  }

  call(req: CallRequest): Promise<CallOutcome> {
    if (typeof req.tool !== "string" || !req.tool.includes("/")) {
      throw new AppError("invalid_argument", "tool id must look like <agent_id>/<tool>");
    }
    return this.router.call(req);
  }

  chat(req: ChatRequest): Promise<ChatOutcome> {
    return this.router.chat(req);
  }
}
