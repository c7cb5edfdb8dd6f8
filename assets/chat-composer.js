// The chat page's composer (loaded before chat.js, after chat-form.js): the
// agent and tool pickers, the tool-call form (window.osToolForm) and sending
// messages. `methods(st, { API, request, el })` returns plain methods (no
// getters) spread into the `chat` Alpine component; they run with `this` =
// the component and share its non-reactive state `st`.
(() => {
  const methods = (st, { API, request, el }) => ({
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
        const why = t.surfaceChanged ? "changed since you approved it; re-approve on its agent page" : t.blockedBy && t.blockedBy.length > 0 ? "permission not approved" : "";
        groups.get(t.agentId).append(el("option", { value: t.id, text: why ? `${t.name} (blocked: ${why})` : t.name, disabled: !!why }));
      }
      const usable = tools.filter((t) => !t.surfaceChanged && !(t.blockedBy && t.blockedBy.length));
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
  });

  window.osChatComposer = { methods };
})();
