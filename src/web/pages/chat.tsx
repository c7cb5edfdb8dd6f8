/**
 * Chat: persisted sessions, each targeting one agent. Two ways to talk: a
 * message to an agent with the `chat` capability (the reply streams in, and
 * the tools it calls show up as cards), or a direct call of any running
 * agent's tool through a form generated from its input schema.
 *
 * The server renders the frame and hands the initial state to the `chat`
 * Alpine component (assets/chat.js) in a data attribute (escaped like any
 * attribute). Everything after that — sending, streaming, cancel, rename,
 * delete — goes through the JSON API and the `/events` stream; every text the
 * component shows is set with textContent.
 */
import type { ChatMessage, ChatSession } from "../../core/chat/chat-service.ts";
import type { ToolInfo } from "../../core/runtime/tool-registry.ts";
import type { ChatTarget } from "../../core/chat/chat-targets.ts";
import { Layout, PageHeader } from "../components/layout.tsx";
import { Icon } from "../components/icons.tsx";
import { ChatComposer, ChatDeleteDialog } from "../components/chat-composer.tsx";

export interface ChatPageProps {
  csrf: string;
  sessions: ChatSession[];
  activeId: string | null;
  messages: ChatMessage[];
  agents: ChatTarget[];
  tools: ToolInfo[];
  /** `?agent=` from a link (e.g. the agent page): preselected for a new chat. */
  preferAgent: string | null;
}

/** Only what the browser needs from a tool. */
// A tool whose surface changed since the operator approved it (issue 16) is listed but not callable, and its
// new, unapproved description is not shown.
const toolView = (t: ToolInfo) => ({
  id: t.id,
  agentId: t.agentId,
  name: t.name,
  description: t.surfaceChange ? "" : t.description,
  inputSchema: t.inputSchema,
  streaming: t.streaming,
  cancellable: t.cancellable,
  blockedBy: t.blockedBy,
  surfaceChanged: !!t.surfaceChange,
});

export function ChatPage(p: ChatPageProps) {
  const initial = JSON.stringify({ sessions: p.sessions, activeId: p.activeId, messages: p.messages, agents: p.agents, tools: p.tools.map(toolView), preferAgent: p.preferAgent });
  return (
    <Layout title="Chat" active="chat" csrf={p.csrf}>
      <PageHeader title="Chat" subtitle="Talk to a running agent, or call any agent's tool directly. Every turn and call goes through the tool router and is audited." />
      <div class="chat-app" x-data="chat" data-initial={initial} data-live-topics="agents">
        <aside class="chat-sessions" aria-label="Chat sessions">
          <div class="chat-sessions-head">
            <h2 class="card-title">Sessions</h2>
            <button type="button" class="button button-primary button-small" x-on:click="newSession" x-bind:disabled="creating" data-action="new-session">
              <Icon name="plus" size={16} />
              <span>New chat</span>
            </button>
          </div>
          <ul class="session-list" x-ref="sessionList" aria-label="Sessions"></ul>
          <p class="session-empty muted" x-bind:hidden="hasSessions" hidden={p.sessions.length > 0}>
            No chats yet.
          </p>
        </aside>
        <section class="chat-main" aria-label="Conversation">
          <div class="chat-empty" x-bind:hidden="hasActive" hidden={p.activeId !== null}>
            <div class="empty-icon">
              <Icon name="message" size={28} />
            </div>
            <h2>Start a conversation</h2>
            <p class="muted">Create a chat, pick a running agent, then send a message or call one of its tools.</p>
            <button type="button" class="button button-primary" x-on:click="newSession" data-action="new-session-empty">
              <Icon name="plus" size={16} />
              <span>New chat</span>
            </button>
          </div>
          <div class="chat-session" x-bind:hidden="noActive" hidden={p.activeId === null}>
            <header class="chat-header">
              <div class="chat-title-wrap">
                <h2 class="chat-title" x-bind:hidden="renaming" x-text="title" data-testid="chat-title"></h2>
                <form class="chat-rename" x-bind:hidden="notRenaming" x-on:submit="saveRename" hidden>
                  <input type="text" x-ref="renameInput" maxlength="120" aria-label="Chat title" x-on:keydown="renameKey" />
                  <button type="submit" class="button button-primary button-small">
                    Save
                  </button>
                  <button type="button" class="button button-ghost button-small" x-on:click="cancelRename">
                    Cancel
                  </button>
                </form>
                <button type="button" class="icon-action" x-bind:hidden="renaming" x-on:click="startRename" title="Rename" aria-label="Rename chat" data-action="rename">
                  <Icon name="pencil" size={16} />
                </button>
              </div>
              <div class="chat-header-tools">
                <label class="chat-agent-picker">
                  <span class="field-label">Agent</span>
                  <select x-ref="agentSelect" x-on:change="changeAgent" aria-label="Agent for this chat" data-testid="agent-select"></select>
                </label>
                <button type="button" class="icon-action icon-action-danger" x-on:click="askDelete" title="Delete chat" aria-label="Delete chat" data-action="delete-session">
                  <Icon name="trash" size={16} />
                </button>
              </div>
            </header>
            <div class="chat-agent-note" x-bind:hidden="noAgentNote" x-text="agentNote" data-testid="agent-note" hidden></div>
            <div class="chat-transcript" x-ref="transcript" role="log" aria-live="polite" aria-label="Messages" data-testid="transcript"></div>
            <ChatComposer />
          </div>
        </section>
        <ChatDeleteDialog />
      </div>
    </Layout>
  );
}
