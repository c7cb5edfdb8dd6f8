/**
 * The hooks the runtime uses to follow what services do to an agent's install.
 *
 * `stop(id, reason)`: the core takes away what the agent runs on. Services call
 * it BEFORE the change takes effect on disk (update swap, uninstall) and right
 * after it takes effect in the catalog (disable, revoke, escalation), and also
 * emit an `agent.status` event on the EventBus for observers (web UI). The
 * runtime stops the agent; for every reason but `updating` it also records
 * that the agent should stay stopped (its run intent).
 *
 * `resume(id, "updated")`: an update that stopped the agent is over (swapped
 * in, or failed and left the old version). The runtime starts the agent again
 * if it was running before and may still run (an escalation that disabled it
 * makes it stay stopped instead).
 *
 * Handlers should resolve once their work is done; one that throws or takes
 * longer than `timeoutMs` is reported through `onHookError` and skipped.
 */
export type AgentStopReason = "disabled" | "uninstalled" | "updating" | "permission_revoked" | "permission_escalation" | "yanked";
export type AgentResumeReason = "updated";
export type StopAgentHook = (agentId: string, reason: AgentStopReason) => Promise<void> | void;
export type ResumeAgentHook = (agentId: string, reason: AgentResumeReason) => Promise<void> | void;

export class AgentHooks {
  private readonly stoppers = new Set<StopAgentHook>();
  private readonly resumers = new Set<ResumeAgentHook>();

  constructor(
    private readonly onHookError: (agentId: string, reason: AgentStopReason | AgentResumeReason, error: string, kind: "stop" | "resume") => void = () => {},
    private readonly timeoutMs = 30_000,
  ) {}

  /** Registers a stop handler; returns the function that unregisters it. */
  onStop(fn: StopAgentHook): () => void {
    this.stoppers.add(fn);
    return () => this.stoppers.delete(fn);
  }

  /** Registers a resume handler; returns the function that unregisters it. */
  onResume(fn: ResumeAgentHook): () => void {
    this.resumers.add(fn);
    return () => this.resumers.delete(fn);
  }

  stop(agentId: string, reason: AgentStopReason): Promise<void> {
    return this.callAll("stop", this.stoppers, agentId, reason);
  }

  resume(agentId: string, reason: AgentResumeReason): Promise<void> {
    return this.callAll("resume", this.resumers, agentId, reason);
  }

  private async callAll<R extends AgentStopReason | AgentResumeReason>(
    kind: "stop" | "resume",
    fns: Set<(id: string, r: R) => Promise<void> | void>,
    agentId: string,
    reason: R,
  ): Promise<void> {
    for (const fn of fns) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => fn(agentId, reason)),
          new Promise<never>((_, rej) => {
            timer = setTimeout(() => rej(new Error(`${kind} hook did not finish within ${this.timeoutMs} ms`)), this.timeoutMs);
          }),
        ]);
      } catch (e) {
        this.onHookError(agentId, reason, (e as Error).message, kind);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
