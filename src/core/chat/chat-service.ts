/**
 * Chat sessions: persisted in SQLite, each targeting one agent. A turn goes to
 * an agent with the `chat` capability as `chat.message` through the router
 * (never around it); the streamed reply and the tool calls the agent makes for
 * that turn are published on the event bus under the session id, and the final
 * messages are stored. Direct tool calls from the chat are routed the same way.
 */
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { chatMessages, chatSessions } from "../../db/schema.ts";
import { AppError } from "../errors.ts";
import { redactValue } from "../redact.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Services } from "../services.ts";

export interface ChatSession {
  id: string;
  title: string;
  agentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChatMessage {
  id: string;
  sessionId: string;
  role: "user" | "assistant" | "tool" | "error";
  text: string;
  data: Record<string, unknown> | null;
  correlationId: string | null;
  createdAt: string;
}

export const titleSchema = z.string().trim().min(1, "title must not be empty").max(120);
export const messageTextSchema = z.string().trim().min(1, "message must not be empty").max(16_000);

const HISTORY_TURNS = 20;

export class ChatService {
  /** In-flight turns/calls by session, so Cancel can reach them. */
  private readonly inflight = new Map<string, Map<string, AbortController>>();

  constructor(
    private readonly s: Services,
    private readonly runtime: Runtime,
  ) {}

  list(): ChatSession[] {
    return this.s.store.db.select().from(chatSessions).orderBy(desc(chatSessions.updatedAt)).all();
  }

  get(id: string): ChatSession {
    const row = this.s.store.db.select().from(chatSessions).where(eq(chatSessions.id, id)).get();
    if (!row) throw new AppError("not_found", `no chat session ${id}`);
    return row;
  }

  create(input: { title?: string; agentId?: string | null }, actor: "ui" | "api" | "cli"): ChatSession {
    const now = this.s.clock.iso();
    const title = titleSchema.parse(input.title ?? "New chat");
    const row: ChatSession = { id: crypto.randomUUID(), title, agentId: input.agentId ?? null, createdAt: now, updatedAt: now };
    this.s.store.db.insert(chatSessions).values(row).run();
    this.s.audit.record({ actor, action: "chat.session.create", agentId: row.agentId, outcome: "ok", details: { session_id: row.id } });
    this.publish(row.id, { kind: "session", session: row });
    return row;
  }

  update(id: string, patch: { title?: string; agentId?: string | null }, actor: "ui" | "api" | "cli"): ChatSession {
    const cur = this.get(id);
    const next = {
      title: patch.title !== undefined ? titleSchema.parse(patch.title) : cur.title,
      agentId: patch.agentId !== undefined ? patch.agentId : cur.agentId,
      updatedAt: this.s.clock.iso(),
    };
    this.s.store.db.update(chatSessions).set(next).where(eq(chatSessions.id, id)).run();
    this.s.audit.record({ actor, action: "chat.session.update", agentId: next.agentId, outcome: "ok", details: { session_id: id } });
    const row = { ...cur, ...next };
    this.publish(id, { kind: "session", session: row });
    return row;
  }

  delete(id: string, actor: "ui" | "api" | "cli"): void {
    this.get(id);
    this.cancel(id);
    this.s.store.db.delete(chatSessions).where(eq(chatSessions.id, id)).run();
    this.s.audit.record({ actor, action: "chat.session.delete", outcome: "ok", details: { session_id: id } });
    this.publish(id, { kind: "deleted" });
  }

  messages(sessionId: string): ChatMessage[] {
    this.get(sessionId);
    return this.s.store.db
      .select()
      .from(chatMessages)
      .where(eq(chatMessages.sessionId, sessionId))
      .orderBy(sql`rowid`) // insertion order; timestamps can tie within a millisecond
      .all()
      .map((m) => ({ ...m, data: m.dataJson ? (JSON.parse(m.dataJson) as Record<string, unknown>) : null }));
  }

  /**
   * Sends a message to the session's agent and resolves when the turn ends.
   * Deltas and tool-invocation cards stream as `chat` events meanwhile.
   */
  async send(sessionId: string, text: string): Promise<ChatMessage> {
    const session = this.get(sessionId);
    const body = messageTextSchema.parse(text);
    if (!session.agentId) throw new AppError("invalid_argument", "pick an agent for this chat first");
    const correlationId = crypto.randomUUID();
    const history = this.messages(sessionId)
      .filter((m) => m.role === "user" || m.role === "assistant")
      .slice(-HISTORY_TURNS)
      .map((m) => ({ role: m.role, text: m.text }));
    const user = this.store(sessionId, "user", body, null, correlationId);
    const ac = this.track(sessionId, correlationId);
    const off = this.s.events.on((e) => {
      if (e.type === "tool.invoke" && e.correlationId === correlationId) {
        this.publish(sessionId, { kind: "invoke", correlationId, phase: e.phase, tool: e.tool, callerAgentId: e.callerAgentId, requestId: e.requestId, arguments: redactValue(e.arguments), outcome: redactValue(e.outcome) });
        if (e.phase === "end") this.store(sessionId, "tool", e.tool, { tool: e.tool, caller: e.callerAgentId, arguments: redactValue(e.arguments) as never, outcome: redactValue(e.outcome) as never }, correlationId);
      }
    });
    this.publish(sessionId, { kind: "turn.start", correlationId, message: user });
    try {
      const r = await this.runtime.chat({
        agentId: session.agentId,
        sessionId,
        messageId: user.id,
        text: body,
        history,
        correlationId,
        signal: ac.signal,
        onDelta: (delta) => this.publish(sessionId, { kind: "delta", correlationId, text: delta }),
      });
      const msg = r.ok
        ? this.store(sessionId, "assistant", r.text, null, correlationId)
        : this.store(sessionId, "error", `${r.error.code}: ${r.error.message}`, { code: r.error.code }, correlationId);
      this.publish(sessionId, { kind: "turn.end", correlationId, message: msg });
      return msg;
    } finally {
      off();
      this.untrack(sessionId, correlationId);
    }
  }

  /** Calls one tool directly from the chat; the result is stored as a tool card. */
  async callTool(sessionId: string, tool: string, args: unknown, timeoutMs?: number): Promise<ChatMessage> {
    this.get(sessionId);
    const correlationId = crypto.randomUUID();
    const ac = this.track(sessionId, correlationId);
    this.publish(sessionId, { kind: "call.start", correlationId, tool, arguments: redactValue(args) });
    try {
      const r = await this.runtime.call({
        tool,
        arguments: args,
        caller: { kind: "chat", id: sessionId },
        correlationId,
        signal: ac.signal,
        ...(timeoutMs ? { timeoutMs } : {}),
        onProgress: (seq, chunk) => this.publish(sessionId, { kind: "call.progress", correlationId, seq, chunk: redactValue(chunk) }),
      });
      const data = { tool, arguments: redactValue(args), outcome: redactValue(r) } as Record<string, unknown>;
      const msg = this.store(sessionId, r.ok ? "tool" : "error", tool, data, correlationId);
      this.publish(sessionId, { kind: "call.end", correlationId, message: msg });
      return msg;
    } finally {
      this.untrack(sessionId, correlationId);
    }
  }

  /** Cancels one in-flight turn/call (by correlation id) or all of a session's. */
  cancel(sessionId: string, correlationId?: string): number {
    const m = this.inflight.get(sessionId);
    if (!m) return 0;
    let n = 0;
    for (const [cid, ac] of m) {
      if (correlationId && cid !== correlationId) continue;
      ac.abort();
      n++;
    }
    return n;
  }

  private track(sessionId: string, correlationId: string): AbortController {
    const ac = new AbortController();
    let m = this.inflight.get(sessionId);
    if (!m) this.inflight.set(sessionId, (m = new Map()));
    m.set(correlationId, ac);
    return ac;
  }

  private untrack(sessionId: string, correlationId: string): void {
    const m = this.inflight.get(sessionId);
    m?.delete(correlationId);
    if (m && m.size === 0) this.inflight.delete(sessionId);
  }

  private store(sessionId: string, role: ChatMessage["role"], text: string, data: Record<string, unknown> | null, correlationId: string): ChatMessage {
    const msg: ChatMessage = { id: crypto.randomUUID(), sessionId, role, text, data, correlationId, createdAt: this.s.clock.iso() };
    this.s.store.db
      .insert(chatMessages)
      .values({ id: msg.id, sessionId, role, text, dataJson: data ? JSON.stringify(data) : null, correlationId, createdAt: msg.createdAt })
      .run();
    this.s.store.db.update(chatSessions).set({ updatedAt: msg.createdAt }).where(eq(chatSessions.id, sessionId)).run();
    return msg;
  }

  private publish(sessionId: string, data: Record<string, unknown>): void {
    this.s.events.emit({ type: "chat", sessionId, data });
  }
}
