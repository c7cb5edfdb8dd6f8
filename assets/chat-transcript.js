// The chat page's transcript (loaded before chat.js): the createElement/
// textContent helpers and the `chat` component's transcript methods, which
// render stored messages and the live stream's turn events (user message,
// streamed reply, tool cards). Agent output is data, never markup: nothing
// here builds HTML strings.
//
//   const { el, time } = window.osChatTranscript
//   Alpine.data("chat", () => ({ ...window.osChatTranscript.methods(st), … }))
//
// `methods(st)` returns plain methods (no getters, so spreading them into the
// component is safe); they run with `this` = the component and share its
// non-reactive state `st` (turns, inflight, agents, sessions).
(() => {
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

  const methods = (st) => ({
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
  });

  window.osChatTranscript = { el, json, time, toolIcon, auditLink, methods };
})();
