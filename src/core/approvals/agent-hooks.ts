/**
 * The hook the runtime uses to stop a running agent when the core takes away
 * what it runs on. Services call `stop(id, reason)` BEFORE the change takes
 * effect on disk (update swap, uninstall) and right after it takes effect in the
 * catalog (disable, revoke, escalation), and also emit an `agent.status` event
 * on the EventBus for observers (web UI). The runtime registers with `onStop`
 * and should resolve once the agent's processes are gone; a hook that throws or
 * takes longer than `timeoutMs` is logged in the audit trail and skipped.
 */
export type AgentStopReason = "disabled" | "uninstalled" | "updating" | "permission_revoked" | "permission_escalation";
export type StopAgentHook = (agentId: string, reason: AgentStopReason) => Promise<void> | void;

export class AgentHooks {
  private readonly stoppers = new Set<StopAgentHook>();

  constructor(
    private readonly onHookError: (agentId: string, reason: AgentStopReason, error: string) => void = () => {},
    private readonly timeoutMs = 30_000,
  ) {}

  /** Registers a stop handler; returns the function that unregisters it. */
  onStop(fn: StopAgentHook): () => void {
    this.stoppers.add(fn);
    return () => this.stoppers.delete(fn);
  }

  async stop(agentId: string, reason: AgentStopReason): Promise<void> {
    for (const fn of this.stoppers) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => fn(agentId, reason)),
          new Promise<never>((_, rej) => {
            timer = setTimeout(() => rej(new Error(`stop hook did not finish within ${this.timeoutMs} ms`)), this.timeoutMs);
          }),
        ]);
      } catch (e) {
        this.onHookError(agentId, reason, (e as Error).message);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
