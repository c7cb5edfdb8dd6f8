// The chat page (`chat` Alpine component). State comes from the page's
// data-initial attribute, the JSON API (/api/v1/chat/…) and the live stream
// (`chat:<session id>` and `agents` topics via window.osLive). Every turn is
// rendered from the stream, in every tab showing the session, so two tabs stay
// consistent. The transcript is built with createElement/textContent only:
// agent output is data, never markup. The component's transcript methods live
// in chat-transcript.js (window.osChatTranscript) and its composer methods in
// chat-composer.js (window.osChatComposer); both load before this file.
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  const live = window.osLive;
  const API = "/api/v1/chat";

  const { el, time } = window.osChatTranscript;

  const request = (method, url, body) => live.request(method, url, body);

  Alpine.data("chat", () => {
    // Plain (non-reactive) state: DOM bookkeeping and data the template never reads.
    const st = {
      sessions: [],
      agents: [],
      tools: [],
      turns: new Map(), // correlationId -> turn element parts
      inflight: new Set(),
      form: null,
      offs: [],
      refreshTimer: null,
    };

    return {
      activeId: null,
      title: "",
      agentId: null,
      mode: "message",
      renaming: false,
      deleting: false,
      creating: false,
      pending: false,
      inflightCount: 0,
      sendError: "",
      toolError: "",
      toolId: "",
      toolDescription: "",
      sessionCount: 0,
      agentsVersion: 0,

      init() {
        let initial = {};
        try {
          initial = JSON.parse(this.$root.getAttribute("data-initial") || "{}");
        } catch {
          initial = {};
        }
        st.sessions = initial.sessions || [];
        st.agents = initial.agents || [];
        st.tools = initial.tools || [];
        this.preferAgent = initial.preferAgent || null;
        this.sessionCount = st.sessions.length;
        st.offs.push(live.on("chat", (e) => this.onChat(e)));
        st.offs.push(live.on("agent.status", () => this.refreshTargetsSoon()));
        st.offs.push(
          live.on("hello", (h) => {
            if (h.resync) void this.resync();
          }),
        );
        this.renderSessions();
        this.renderAgentSelect();
        this.renderToolSelect();
        if (initial.activeId) this.activate(initial.activeId, initial.messages || []);
        else if (this.preferAgent && st.sessions.length === 0) this.showTool();
      },

      destroy() {
        for (const off of st.offs) off();
      },

      // ------------------------------------------------------------ getters
      get hasSessions() {
        return this.sessionCount > 0;
      },
      get hasActive() {
        return this.activeId !== null;
      },
      get noActive() {
        return this.activeId === null;
      },
      get notRenaming() {
        return !this.renaming;
      },
      get notDeleting() {
        return !this.deleting;
      },
      get messageMode() {
        return this.mode === "message";
      },
      get toolMode() {
        return this.mode === "tool";
      },
      get messageTabClass() {
        return this.mode === "message" ? "composer-tab active" : "composer-tab";
      },
      get toolTabClass() {
        return this.mode === "tool" ? "composer-tab active" : "composer-tab";
      },
      get messageTabSelected() {
        return this.mode === "message" ? "true" : "false";
      },
      get toolTabSelected() {
        return this.mode === "tool" ? "true" : "false";
      },
      get busy() {
        return this.pending || this.inflightCount > 0;
      },
      get idle() {
        return !this.busy;
      },
      get busyText() {
        if (this.pending && this.inflightCount === 0) return "Sending…";
        return this.inflightCount > 1 ? `${this.inflightCount} in progress…` : "Working…";
      },
      get target() {
        void this.agentsVersion;
        return st.agents.find((a) => a.agentId === this.agentId) || null;
      },
      get cannotChat() {
        const t = this.target;
        return !t || !t.running || !t.chat;
      },
      get agentNote() {
        void this.agentsVersion;
        if (!this.activeId) return "";
        if (!this.agentId) return "Pick an agent for this chat.";
        const t = this.target;
        if (!t) return `${this.agentId} is not installed and enabled any more.`;
        if (!t.running) return `${t.name} is not running: start it from its agent page to talk to it.`;
        if (!t.chat) return `${t.name} does not chat: call one of its tools instead.`;
        return "";
      },
      get noAgentNote() {
        return this.agentNote === "";
      },
      get noTool() {
        return !this.toolId;
      },
      get noToolError() {
        return this.toolError === "";
      },
      get noSendError() {
        return this.sendError === "";
      },

      // ----------------------------------------------------------- sessions
      renderSessions() {
        const list = this.$refs.sessionList;
        list.replaceChildren();
        for (const s of st.sessions) {
          const agent = st.agents.find((a) => a.agentId === s.agentId);
          const btn = el(
            "button",
            { type: "button", className: s.id === this.activeId ? "session-item active" : "session-item", "data-session": s.id, "aria-current": s.id === this.activeId ? "true" : null },
            el("span", { className: "session-title", text: s.title }),
            el("span", { className: "session-meta", text: `${agent ? agent.name : s.agentId || "no agent"} · ${time(s.updatedAt)}` }),
          );
          btn.addEventListener("click", () => void this.select(s.id));
          list.append(el("li", {}, btn));
        }
        this.sessionCount = st.sessions.length;
      },

      upsertSession(s) {
        const i = st.sessions.findIndex((x) => x.id === s.id);
        if (i >= 0) st.sessions[i] = s;
        else st.sessions.unshift(s);
        if (s.id === this.activeId) {
          this.title = s.title;
          if (this.agentId !== s.agentId) {
            this.agentId = s.agentId;
            this.renderAgentSelect();
            this.renderToolSelect();
          }
        }
        this.renderSessions();
      },

      async select(id) {
        if (id === this.activeId) return;
        try {
          const data = await request("GET", `${API}/sessions/${id}`);
          this.upsertSession(data.session);
          this.activate(id, data.messages);
        } catch (e) {
          this.sendError = e.message;
        }
      },

      activate(id, messages) {
        const prev = this.activeId;
        if (prev && prev !== id) live.unsubscribe([`chat:${prev}`]);
        live.subscribe([`chat:${id}`]);
        const s = st.sessions.find((x) => x.id === id);
        this.activeId = id;
        this.title = s ? s.title : "";
        this.agentId = s ? s.agentId : null;
        this.renaming = false;
        this.sendError = "";
        this.toolError = "";
        this.pending = false;
        if (location.search !== `?session=${id}`) history.replaceState(null, "", `/chat?session=${id}`);
        this.renderSessions();
        this.renderAgentSelect();
        this.renderToolSelect();
        this.renderMessages(messages);
        if (this.cannotChat && this.target && this.target.running) this.mode = "tool";
      },

      async newSession() {
        if (this.creating) return;
        this.creating = true;
        this.sendError = "";
        try {
          const running = st.agents.filter((a) => a.running);
          const prefer = st.agents.find((a) => a.agentId === this.preferAgent) || running.find((a) => a.chat) || running[0] || null;
          const s = await request("POST", `${API}/sessions`, { title: "New chat", agent_id: prefer ? prefer.agentId : null });
          this.upsertSession(s);
          this.activate(s.id, []);
          this.mode = this.cannotChat ? "tool" : "message";
          this.$nextTick(() => (this.mode === "message" ? this.$refs.messageInput : this.$refs.toolSelect).focus());
        } catch (e) {
          this.sendError = e.message;
        } finally {
          this.creating = false;
        }
      },

      startRename() {
        this.renaming = true;
        this.$refs.renameInput.value = this.title;
        this.$nextTick(() => {
          this.$refs.renameInput.focus();
          this.$refs.renameInput.select();
        });
      },
      cancelRename() {
        this.renaming = false;
      },
      renameKey(e) {
        if (e.key === "Escape") this.cancelRename();
      },
      async saveRename(e) {
        e.preventDefault();
        const title = this.$refs.renameInput.value.trim();
        if (!title) return;
        try {
          this.upsertSession(await request("PATCH", `${API}/sessions/${this.activeId}`, { title }));
          this.renaming = false;
        } catch (err) {
          this.sendError = err.message;
        }
      },

      askDelete() {
        this.deleting = true;
        this.$nextTick(() => this.$refs.deleteButton.focus());
      },
      cancelDelete() {
        this.deleting = false;
      },
      deleteBackdrop(e) {
        if (e.target === e.currentTarget) this.cancelDelete();
      },
      async confirmDelete() {
        const id = this.activeId;
        this.deleting = false;
        try {
          await request("DELETE", `${API}/sessions/${id}`);
          this.removeSession(id);
        } catch (e) {
          this.sendError = e.message;
        }
      },
      removeSession(id) {
        st.sessions = st.sessions.filter((s) => s.id !== id);
        if (this.activeId === id) {
          live.unsubscribe([`chat:${id}`]);
          this.activeId = null;
          this.title = "";
          this.agentId = null;
          this.$refs.transcript.replaceChildren();
          st.turns.clear();
          st.inflight.clear();
          this.inflightCount = 0;
          history.replaceState(null, "", "/chat");
          if (st.sessions[0]) void this.select(st.sessions[0].id);
        }
        this.renderSessions();
      },

      async resync() {
        await this.refreshTargets();
        try {
          const list = await request("GET", `${API}/sessions`);
          st.sessions = list.sessions;
          this.renderSessions();
          if (this.activeId) {
            if (!st.sessions.some((s) => s.id === this.activeId)) return this.removeSession(this.activeId);
            const data = await request("GET", `${API}/sessions/${this.activeId}`);
            this.renderMessages(data.messages);
          }
        } catch {
          // next reconnect
        }
      },

      async cancelAll() {
        if (!this.activeId) return;
        try {
          await request("POST", `${API}/sessions/${this.activeId}/cancel`, {});
        } catch (e) {
          this.sendError = e.message;
        }
      },

      async cancelOne(cid) {
        try {
          await request("POST", `${API}/sessions/${this.activeId}/cancel`, { correlation_id: cid });
        } catch (e) {
          this.sendError = e.message;
        }
      },

      // Agent/tool pickers, the tool-call form and sending messages (chat-composer.js);
      // the transcript and the live stream's chat events (chat-transcript.js).
      ...window.osChatComposer.methods(st, { API, request, el }),
      ...window.osChatTranscript.methods(st),
    };
  });
});
