// The chat page (`chat` Alpine component). State comes from the page's
// data-initial attribute, the JSON API (/api/v1/chat/…) and the live stream
// (`chat:<session id>` and `agents` topics via window.osLive). Every turn is
// rendered from the stream, in every tab showing the session, so two tabs stay
// consistent. The transcript is built with createElement/textContent only:
// agent output is data, never markup.
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  const live = window.osLive;
  const API = "/api/v1/chat";
  const MAX_JSON = 20000;

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "className") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  };

  /** Small values on one line, bigger ones indented; long ones cut. */
  const json = (v) => {
    let s;
    try {
      s = JSON.stringify(v);
      if (s !== undefined && s.length > 72) s = JSON.stringify(v, null, 2);
    } catch {
      s = String(v);
    }
    if (s === undefined) s = "null";
    return s.length > MAX_JSON ? `${s.slice(0, MAX_JSON)}\n… (${s.length - MAX_JSON} more characters)` : s;
  };

  const time = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };

  /** The wrench icon of tool cards (static SVG built with the DOM API). */
  const toolIcon = () => {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    for (const [k, v] of Object.entries({ class: "icon", viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round" })) svg.setAttribute(k, v);
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", "M14.5 6.5a4 4 0 01-5.2 5.2L4 17l3 3 5.3-5.3a4 4 0 005.2-5.2l-2.5 2.5-2.5-.5-.5-2.5 2.5-2.5z");
    svg.append(path);
    return svg;
  };

  const auditLink = (cid) => el("a", { className: "timeline-link", href: `/audit?correlation=${encodeURIComponent(cid)}`, title: "Every audited step of this turn, in order", text: "Timeline" });

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

      // ------------------------------------------------------------- agents
      renderAgentSelect() {
        const sel = this.$refs.agentSelect;
        sel.replaceChildren();
        sel.append(el("option", { value: "", text: "— pick an agent —", disabled: true }));
        const list = [...st.agents];
        if (this.agentId && !list.some((a) => a.agentId === this.agentId)) list.push({ agentId: this.agentId, name: this.agentId, running: false, chat: false, gone: true });
        for (const a of list) {
          const what = !a.running ? "not running" : a.chat ? "chat" : "tools only";
          sel.append(el("option", { value: a.agentId, text: `${a.name} · ${what}` }));
        }
        sel.value = this.agentId || "";
        this.agentsVersion++;
      },

      async changeAgent() {
        const value = this.$refs.agentSelect.value || null;
        try {
          this.upsertSession(await request("PATCH", `${API}/sessions/${this.activeId}`, { agent_id: value }));
          this.mode = this.cannotChat ? "tool" : "message";
        } catch (e) {
          this.sendError = e.message;
        }
      },

      refreshTargetsSoon() {
        clearTimeout(st.refreshTimer);
        st.refreshTimer = setTimeout(() => void this.refreshTargets(), 150);
      },

      async refreshTargets() {
        try {
          const [a, t] = await Promise.all([request("GET", `${API}/agents`), request("GET", "/api/v1/tools")]);
          st.agents = a.agents;
          st.tools = t.tools;
          this.renderAgentSelect();
          this.renderToolSelect();
          this.renderSessions();
        } catch {
          // the stream's next event or reconnect retries
        }
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

      // -------------------------------------------------------------- tools
      renderToolSelect() {
        const sel = this.$refs.toolSelect;
        const keep = this.toolId;
        sel.replaceChildren();
        const tools = [...st.tools].sort((a, b) => Number(b.agentId === this.agentId) - Number(a.agentId === this.agentId) || a.id.localeCompare(b.id));
        if (tools.length === 0) sel.append(el("option", { value: "", text: "No running agent has tools" }));
        const groups = new Map();
        for (const t of tools) {
          if (!groups.has(t.agentId)) {
            const a = st.agents.find((x) => x.agentId === t.agentId);
            const g = el("optgroup", { label: a ? a.name : t.agentId });
            groups.set(t.agentId, g);
            sel.append(g);
          }
          const blocked = t.blockedBy && t.blockedBy.length > 0;
          groups.get(t.agentId).append(el("option", { value: t.id, text: blocked ? `${t.name} (blocked: permission not approved)` : t.name, disabled: blocked }));
        }
        const usable = tools.filter((t) => !(t.blockedBy && t.blockedBy.length));
        const next = usable.find((t) => t.id === keep) || usable.find((t) => t.agentId === this.agentId) || usable[0] || null;
        sel.value = next ? next.id : "";
        if (!next || next.id !== keep) this.buildToolForm(next);
        else this.toolDescription = next.description || "";
      },

      pickTool() {
        this.buildToolForm(st.tools.find((t) => t.id === this.$refs.toolSelect.value) || null);
      },

      buildToolForm(tool) {
        this.toolId = tool ? tool.id : "";
        this.toolDescription = tool ? tool.description || "" : "";
        this.toolError = "";
        const box = this.$refs.toolFields;
        if (!tool) {
          box.replaceChildren();
          st.form = null;
          return;
        }
        st.form = window.osToolForm.build(box, tool.inputSchema || {});
      },

      showMessage() {
        this.mode = "message";
        this.$nextTick(() => this.$refs.messageInput.focus());
      },
      showTool() {
        this.mode = "tool";
      },

      async callTool(e) {
        e.preventDefault();
        this.toolError = "";
        if (!st.form || !this.toolId || !this.activeId) return;
        const r = st.form.read();
        if (!r.ok) {
          this.toolError = "Fix the highlighted fields: nothing was sent.";
          return;
        }
        this.pending = true;
        try {
          await request("POST", `${API}/sessions/${this.activeId}/tool-calls`, { tool: this.toolId, arguments: r.value, wait: false });
        } catch (err) {
          this.pending = false;
          if (err.code === "invalid_arguments") {
            const problems = {};
            for (const part of err.message.replace(/^[^:]*schema: /, "").split("; ")) {
              const m = /^(\/[^:]*): (.*)$/.exec(part);
              if (m) problems[m[1]] = m[2];
            }
            st.form.showErrors(problems);
            this.toolError = `The tool refused these arguments: ${err.message}`;
          } else this.toolError = err.message;
        }
      },

      // ----------------------------------------------------------- messages
      messageKey(e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          void this.sendMessage();
        }
      },

      async sendMessage(e) {
        if (e) e.preventDefault();
        const input = this.$refs.messageInput;
        const text = input.value.trim();
        if (!text || this.cannotChat || !this.activeId) return;
        this.sendError = "";
        this.pending = true;
        const id = this.activeId;
        try {
          if (this.title === "New chat" && st.turns.size === 0) {
            const title = text.length > 48 ? `${text.slice(0, 47)}…` : text;
            this.upsertSession(await request("PATCH", `${API}/sessions/${id}`, { title }));
          }
          await request("POST", `${API}/sessions/${id}/messages`, { text, wait: false });
          input.value = "";
        } catch (err) {
          this.pending = false;
          this.sendError = err.message;
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

      // --------------------------------------------------------- transcript
      nearBottom() {
        const t = this.$refs.transcript;
        return t.scrollHeight - t.scrollTop - t.clientHeight < 120;
      },
      scrollDown(force) {
        const t = this.$refs.transcript;
        if (force || this.nearBottom()) t.scrollTop = t.scrollHeight;
      },

      setInflight(cid, on) {
        if (on) st.inflight.add(cid);
        else st.inflight.delete(cid);
        this.inflightCount = st.inflight.size;
      },

      agentName(id) {
        const a = st.agents.find((x) => x.agentId === id);
        return a ? a.name : id || "Agent";
      },

      turn(cid) {
        let t = st.turns.get(cid);
        if (t) return t;
        const root = el("div", { className: "turn", "data-cid": cid });
        t = { cid, root, user: null, tools: el("div", { className: "turn-tools" }), reply: null, cards: new Map() };
        root.append(t.tools);
        st.turns.set(cid, t);
        this.$refs.transcript.append(root);
        return t;
      },

      setUser(t, m) {
        if (t.user) return;
        t.user = el(
          "div",
          { className: "msg msg-user", "data-message": m.id },
          el("div", { className: "msg-body", text: m.text }),
          el("div", { className: "msg-meta" }, el("span", { text: time(m.createdAt) }), auditLink(t.cid)),
        );
        t.root.insertBefore(t.user, t.tools);
      },

      reply(t) {
        if (t.reply) return t.reply;
        const body = el("div", { className: "msg-body" });
        const name = this.agentName(this.agentId);
        const root = el(
          "div",
          { className: "msg msg-assistant streaming", "data-reply": t.cid },
          el("div", { className: "msg-avatar", "aria-hidden": "true", text: name.slice(0, 1).toUpperCase() }),
          el("div", { className: "msg-content" }, el("div", { className: "msg-author", text: name }), body, el("span", { className: "typing", "aria-label": "typing" }, el("i"), el("i"), el("i"))),
        );
        t.root.append(root);
        t.reply = { root, body, text: "" };
        return t.reply;
      },

      finishReply(t, m) {
        const r = this.reply(t);
        r.root.classList.remove("streaming");
        const typing = r.root.querySelector(".typing");
        if (typing) typing.remove();
        if (m.role === "assistant") {
          r.body.textContent = m.text;
          r.root.setAttribute("data-message", m.id);
        } else {
          const canceled = /^canceled\b/.test(m.text);
          r.root.classList.add(canceled ? "msg-canceled" : "msg-failed");
          if (!r.text) r.body.remove();
          r.root.querySelector(".msg-content").append(el("div", { className: canceled ? "msg-note" : "msg-error-text", role: canceled ? null : "alert", text: canceled ? "Canceled" : `The turn failed: ${m.text}` }));
        }
        r.root.querySelector(".msg-content").append(el("div", { className: "msg-meta" }, el("span", { text: time(m.createdAt) }), auditLink(t.cid)));
      },

      card(t, key, info) {
        let c = t.cards.get(key);
        if (c) return c;
        const status = el("span", { className: "tool-status tool-status-running" }, el("span", { className: "spinner", "aria-hidden": "true" }), el("span", { text: "Running" }));
        const duration = el("span", { className: "tool-duration" });
        const cancel = info.byAgent ? null : el("button", { type: "button", className: "button button-ghost button-small", "data-action": "cancel-card", text: "Cancel" });
        if (cancel) cancel.addEventListener("click", () => void this.cancelOne(t.cid));
        const progress = el("div", { className: "tool-progress", hidden: true });
        const result = el("div", { className: "tool-result", hidden: true });
        const root = el(
          "article",
          { className: "tool-card running", "data-tool": info.tool, "data-key": key },
          el(
            "header",
            { className: "tool-card-head" },
            el("span", { className: "tool-icon", "aria-hidden": "true" }, toolIcon()),
            el("div", { className: "tool-card-title" }, el("span", { className: "tool-kind", text: info.byAgent ? `Called by ${typeof info.byAgent === "string" ? this.agentName(info.byAgent) : "the agent"}` : "Direct tool call" }), el("code", { className: "tool-id", text: info.tool })),
            duration,
            status,
          ),
          el("details", { className: "tool-args" }, el("summary", { text: "Arguments" }), el("pre", { className: "tool-json", text: json(info.arguments) })),
          progress,
          result,
          info.byAgent ? null : el("footer", { className: "tool-card-foot" }, auditLink(t.cid), cancel),
        );
        t.tools.append(root);
        c = { root, status, duration, progress, result, cancel, chunks: 0 };
        t.cards.set(key, c);
        return c;
      },

      progressCard(c, chunk) {
        c.chunks++;
        c.progress.hidden = false;
        c.progress.replaceChildren(el("span", { className: "tool-progress-count", text: `${c.chunks} update${c.chunks === 1 ? "" : "s"}` }), el("code", { className: "tool-progress-last", text: typeof chunk === "string" ? chunk : JSON.stringify(chunk) }));
      },

      finishCard(c, outcome) {
        const o = outcome || {};
        const ok = o.ok === true;
        const canceled = !ok && o.error && o.error.code === "canceled";
        const kind = ok ? "ok" : canceled ? "canceled" : "error";
        c.root.classList.remove("running");
        c.root.classList.add(kind);
        c.status.className = `tool-status tool-status-${kind}`;
        c.status.replaceChildren(el("span", { text: ok ? "Done" : canceled ? "Canceled" : "Failed" }));
        if (typeof o.durationMs === "number") c.duration.textContent = o.durationMs < 1000 ? `${Math.round(o.durationMs)} ms` : `${(o.durationMs / 1000).toFixed(1)} s`;
        if (c.cancel) c.cancel.remove();
        c.result.hidden = false;
        if (ok) c.result.replaceChildren(el("div", { className: "tool-section-label", text: "Result" }), el("pre", { className: "tool-json", text: json(o.output) }));
        else c.result.replaceChildren(el("div", { className: "tool-error", role: canceled ? null : "alert" }, el("code", { text: o.error ? o.error.code : "error" }), el("span", { text: o.error ? ` ${o.error.message}` : "" })));
      },

      renderMessages(messages) {
        const box = this.$refs.transcript;
        box.replaceChildren();
        st.turns.clear();
        st.inflight.clear();
        this.inflightCount = 0;
        const turnIds = new Set(messages.filter((m) => m.role === "user").map((m) => m.correlationId));
        for (const m of messages) {
          const cid = m.correlationId || m.id;
          const t = this.turn(cid);
          if (m.role === "user") this.setUser(t, m);
          else if (m.role === "assistant") this.finishReply(t, m);
          else if (m.data && typeof m.data.tool === "string") {
            // The calling agent's id when known (string), so the card can name it.
            const byAgent = turnIds.has(cid) ? (m.data && m.data.caller) || true : false;
            const key = byAgent ? (m.data.outcome && m.data.outcome.requestId) || m.id : cid;
            const c = this.card(t, key, { tool: m.data.tool, arguments: m.data.arguments, byAgent });
            this.finishCard(c, m.data.outcome);
          } else this.finishReply(t, m);
        }
        if (messages.length === 0) box.append(el("p", { className: "transcript-empty muted", text: "No messages yet. Say hello, or call a tool." }));
        this.scrollDown(true);
      },

      onChat(e) {
        if (e.sessionId !== this.activeId) return;
        const d = e.data || {};
        const empty = this.$refs.transcript.querySelector(".transcript-empty");
        if (empty && d.kind !== "session") empty.remove();
        const follow = this.nearBottom();
        switch (d.kind) {
          case "session":
            this.upsertSession(d.session);
            return;
          case "deleted":
            this.removeSession(e.sessionId);
            return;
          case "turn.start": {
            const t = this.turn(d.correlationId);
            this.setUser(t, d.message);
            this.reply(t);
            this.pending = false;
            this.setInflight(d.correlationId, true);
            break;
          }
          case "delta": {
            const r = this.reply(this.turn(d.correlationId));
            r.text += d.text;
            r.body.textContent = r.text;
            break;
          }
          case "invoke": {
            const t = this.turn(d.correlationId);
            const c = this.card(t, d.requestId, { tool: d.tool, arguments: d.arguments, byAgent: d.callerAgentId || true });
            if (d.phase === "end") this.finishCard(c, d.outcome);
            // Keep the reply below the cards of its turn.
            if (t.reply) t.root.append(t.reply.root);
            break;
          }
          case "turn.end":
            this.finishReply(this.turn(d.correlationId), d.message);
            this.pending = false;
            this.setInflight(d.correlationId, false);
            break;
          case "call.start":
            this.card(this.turn(d.correlationId), d.correlationId, { tool: d.tool, arguments: d.arguments, byAgent: false });
            this.pending = false;
            this.setInflight(d.correlationId, true);
            break;
          case "call.progress":
            this.progressCard(this.card(this.turn(d.correlationId), d.correlationId, { tool: "?", arguments: null, byAgent: false }), d.chunk);
            break;
          case "call.end": {
            const m = d.message || {};
            const c = this.card(this.turn(d.correlationId), d.correlationId, { tool: m.text, arguments: m.data && m.data.arguments, byAgent: false });
            this.finishCard(c, m.data && m.data.outcome);
            this.pending = false;
            this.setInflight(d.correlationId, false);
            break;
          }
          default:
            return;
        }
        this.scrollDown(follow);
        const s = st.sessions.find((x) => x.id === this.activeId);
        if (s && d.message && d.message.createdAt) {
          s.updatedAt = d.message.createdAt;
        }
      },
    };
  });
});
