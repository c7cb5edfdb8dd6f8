/**
 * The agent runtime as one service: hub + supervisor + router. Adapters (CLI
 * via the daemon API, web UI, chat) call these methods only.
 */
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { LogLine } from "./agent-log.ts";
import { Hub } from "./hub.ts";
import { type CallOutcome, type CallRequest, type ChatOutcome, type ChatRequest, Router } from "./router.ts";
import type { RuntimeStatus } from "./runtime-status.ts";
import { type Actor, Supervisor } from "./supervisor.ts";
import type { ToolInfo } from "./tool-registry.ts";

export class Runtime {
  readonly router: Router;
  readonly supervisor: Supervisor;
  readonly hub: Hub;

  constructor(private readonly s: Services) {
    const L = s.config.limits;
    // One prepared statement per call: enabled flag and approvals together (hot path).
    const policyQuery = s.store.sqlite.query<{ enabled: number; approved: string }, [string]>(
      `SELECT (i.state = 'installed' AND i.enabled = 1) AS enabled,
              (SELECT json_group_array(permission) FROM approvals WHERE agent_id = i.agent_id) AS approved
       FROM installs i WHERE i.agent_id = ?`,
    );
    this.router = new Router({
      audit: s.audit,
      events: s.events,
      link: (id) => this.supervisor.link(id),
      policy: (id) => {
        const row = policyQuery.get(id);
        return { enabled: row?.enabled === 1, approved: new Set(row ? (JSON.parse(row.approved) as string[]) : []) };
      },
      requestedPermissions: (id) => new Set(s.catalog.installedManifest(id)?.permissions ?? []),
      maxTimeoutMs: L.max_tool_timeout_ms,
    });
    this.supervisor = new Supervisor(s, this.router);
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

  private unhook: (() => void) | null = null;

  async start(): Promise<void> {
    await this.hub.start();
    // Kill switch: disable, revoke, uninstall and update stop a running agent at once.
    this.unhook = this.s.agentHooks.onStop((id, reason) => this.supervisor.killSwitch(id, reason));
    this.supervisor.start((id) => this.router.policy(id).enabled);
  }

  async stop(): Promise<void> {
    this.unhook?.();
    await this.supervisor.shutdown();
    await this.hub.stop();
  }

  run(agentId: string, actor: Actor, correlationId?: string): Promise<RuntimeStatus> {
    return this.supervisor.run(agentId, actor, correlationId);
  }

  stopAgent(agentId: string, actor: Actor): Promise<RuntimeStatus> {
    return this.supervisor.stop(agentId, actor);
  }

  restart(agentId: string, actor: Actor): Promise<RuntimeStatus> {
    return this.supervisor.restart(agentId, actor);
  }

  killSwitch(agentId: string, reason: string): Promise<void> {
    return this.supervisor.killSwitch(agentId, reason);
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
