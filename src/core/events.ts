/**
 * In-process event bus: services publish lifecycle, progress and audit events;
 * the web layer turns them into Server-Sent Events. Listeners must not throw.
 */
import type { AuditEvent } from "./audit/audit-log.ts";

export type CoreEvent =
  | { type: "audit"; event: AuditEvent }
  | { type: "catalog.changed"; reason: string }
  | { type: "agent.status"; agentId: string; status: Record<string, unknown> }
  | { type: "agent.log"; agentId: string; stream: string; line: string; at: string }
  | { type: "progress"; topic: string; agentId?: string; step: string; message: string; done?: boolean; ok?: boolean }
  /** The set of registered tools changed (an agent registered its tools or went away); MCP clients re-list. */
  | { type: "tools.changed"; agentId: string }
  | { type: "tool.progress"; requestId: string; correlationId?: string; seq: number; chunk: unknown }
  | { type: "chat"; sessionId: string; data: Record<string, unknown> }
  /** Browser sessions ended (token rotation: all, `csrf: null`; logout: the one with this CSRF token). Never sent to clients. */
  | { type: "auth.sessions_ended"; csrf: string | null }
  | {
      type: "tool.invoke";
      phase: "start" | "end";
      callerAgentId: string;
      tool: string;
      requestId: string;
      correlationId?: string | undefined;
      arguments?: unknown;
      outcome?: unknown;
    };

export type Listener = (e: CoreEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(e: CoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (e.g. a closed SSE stream) must not break the publisher.
      }
    }
  }
}
