// The logs page (`logs` Alpine component): tail from
// GET /api/v1/agents/:id/logs, then follow the `agent:<id>` topics of the live
// stream (window.osLive). Lines are plain text nodes; at most MAX_LINES stay in
// the page (oldest dropped first). Lines that arrive while the tail loads are
// held back and merged without duplicates.
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  const live = window.osLive;
  const MAX_LINES = 2000;
  const TAIL_ONE = 1000;
  const TAIL_EACH = 300;

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const clock = (iso) => {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "";
    const p = (n, w = 2) => String(n).padStart(w, "0");
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  };

  Alpine.data("logs", () => {
    const st = { agents: [], ids: [], lines: 0, pending: null, seen: new Set(), lastState: new Map(), offs: [], needle: "" };
    return {
      follow: true,
      atBottom: true,
      count: 0,
      dropped: 0,
      loading: true,
      liveState: "connecting",

      init() {
        try {
          st.agents = JSON.parse(this.$root.getAttribute("data-agents") || "[]");
        } catch {
          st.agents = [];
        }
        const selected = this.$root.getAttribute("data-selected") || "";
        st.ids = selected ? [selected] : st.agents.map((a) => a.agentId);
        this.single = !!selected;
        st.pending = [];
        st.offs.push(live.on("agent.log", (e) => this.onLine(e)));
        st.offs.push(live.on("agent.status", (e) => this.onStatus(e)));
        st.offs.push(live.on("state", (s) => (this.liveState = s)));
        st.offs.push(
          live.on("hello", (h) => {
            if (h.resync) this.marker("Reconnected to the daemon; lines written while disconnected may be missing.");
          }),
        );
        this.liveState = live.state;
        live.subscribe(st.ids.map((id) => `agent:${id}`));
        void this.loadTail();
      },

      destroy() {
        for (const off of st.offs) off();
      },

      get followPressed() {
        return this.follow ? "true" : "false";
      },
      get followLabel() {
        return this.follow ? "Following" : "Paused";
      },
      get countText() {
        const n = this.count;
        return `${n.toLocaleString()} line${n === 1 ? "" : "s"}${this.dropped ? ` (oldest ${this.dropped.toLocaleString()} dropped; the page keeps ${MAX_LINES})` : ""}`;
      },
      get statusText() {
        if (this.loading) return "Loading…";
        return { live: "● Live", reconnecting: "Reconnecting…", connecting: "Connecting…", down: "Daemon unreachable", "logged-out": "Session ended: log in again" }[this.liveState] || "";
      },

      agentName(id) {
        const a = st.agents.find((x) => x.agentId === id);
        return a ? a.name : id;
      },

      async loadTail() {
        const per = this.single ? TAIL_ONE : TAIL_EACH;
        const all = [];
        await Promise.all(
          st.ids.map(async (id) => {
            try {
              const r = await fetch(`/api/v1/agents/${encodeURIComponent(id)}/logs?tail=${per}`, { credentials: "same-origin" });
              if (!r.ok) return;
              const data = await r.json();
              for (const l of data.lines || []) all.push({ agentId: id, ...l });
            } catch {
              // shown as no lines; following still works
            }
          }),
        );
        all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        for (const l of all) {
          st.seen.add(this.key(l));
          this.append(l);
        }
        const held = st.pending;
        st.pending = null;
        for (const l of held) if (!st.seen.has(this.key(l))) this.append(l);
        st.seen.clear();
        this.loading = false;
        if (this.count === 0) this.placeholder();
        this.scrollDown(true);
      },

      key: (l) => `${l.agentId}\u0000${l.at}\u0000${l.stream}\u0000${l.line}`,

      placeholder() {
        const p = el("div", "log-empty", this.single ? "No output yet. Run the agent to see its logs here." : "No output yet. Run an agent to see its logs here.");
        this.$refs.view.append(p);
      },

      onLine(e) {
        if (!st.ids.includes(e.agentId)) return;
        const l = { agentId: e.agentId, at: e.at, stream: e.stream, line: e.line, level: e.level };
        if (st.pending) st.pending.push(l);
        else {
          const follow = this.follow && this.nearBottom();
          this.append(l);
          this.scrollDown(follow);
        }
      },

      onStatus(e) {
        if (!st.ids.includes(e.agentId) || !e.status || !("restarts" in e.status)) return;
        const s = e.status;
        if (st.lastState.get(e.agentId) === s.state) return;
        const first = !st.lastState.has(e.agentId);
        st.lastState.set(e.agentId, s.state);
        if (first && st.pending) return;
        const detail = s.state === "running" ? (s.pid ? ` (pid ${s.pid})` : "") : s.state === "backoff" && s.backoffMs ? ` (next try in ${live.formatMs(s.backoffMs)})` : s.lastExit && (s.state === "stopped" || s.state === "failed") ? ` (${s.lastExit.reason})` : "";
        const follow = this.follow && this.nearBottom();
        this.append({ agentId: e.agentId, at: new Date().toISOString(), stream: "core", line: `state → ${s.state}${detail}`, lifecycle: true });
        this.scrollDown(follow);
      },

      marker(text) {
        const m = el("div", "log-marker", text);
        this.$refs.view.append(m);
      },

      append(l) {
        const view = this.$refs.view;
        const empty = view.querySelector(".log-empty");
        if (empty) empty.remove();
        const row = el("div", `log-line stream-${l.stream}${l.lifecycle ? " log-lifecycle" : ""}${l.level === "error" || l.level === "warn" ? ` level-${l.level}` : ""}`);
        row.setAttribute("data-stream", l.stream);
        row.append(el("span", "log-time", clock(l.at)));
        row.title = l.at;
        if (!this.single) row.append(el("span", "log-agent", this.agentName(l.agentId)));
        // The core stream is labelled as its filter chip is ("lifecycle").
        row.append(el("span", "log-stream", l.stream === "core" ? "lifecycle" : l.level ? `${l.stream}.${l.level}` : l.stream));
        row.append(el("span", "log-text", l.line));
        if (st.needle && !l.line.toLowerCase().includes(st.needle)) row.hidden = true;
        view.append(row);
        this.count++;
        while (this.count > MAX_LINES) {
          const first = view.querySelector(".log-line");
          if (!first) break;
          first.remove();
          this.count--;
          this.dropped++;
        }
      },

      pickAgent() {
        const id = this.$refs.agent.value;
        location.assign(id ? `/agents/${encodeURIComponent(id)}/logs` : "/logs");
      },

      toggleStream(e) {
        const btn = e.currentTarget;
        const s = btn.getAttribute("data-stream");
        const on = btn.getAttribute("aria-pressed") !== "true";
        btn.setAttribute("aria-pressed", on ? "true" : "false");
        this.$refs.view.classList.toggle(`hide-${s}`, !on);
      },

      applyFilter() {
        st.needle = this.$refs.filter.value.trim().toLowerCase();
        for (const row of this.$refs.view.querySelectorAll(".log-line")) {
          const text = row.querySelector(".log-text");
          row.hidden = !!st.needle && !!text && !text.textContent.toLowerCase().includes(st.needle);
        }
      },

      toggleFollow() {
        this.follow = !this.follow;
        if (this.follow) this.scrollDown(true);
      },

      clear() {
        this.$refs.view.replaceChildren();
        this.count = 0;
        this.dropped = 0;
      },

      nearBottom() {
        const v = this.$refs.view;
        return v.scrollHeight - v.scrollTop - v.clientHeight < 40;
      },

      onScroll() {
        this.atBottom = this.nearBottom();
      },

      jump() {
        this.follow = true;
        this.scrollDown(true);
      },

      scrollDown(force) {
        const v = this.$refs.view;
        if (force) v.scrollTop = v.scrollHeight;
        this.atBottom = this.nearBottom();
      },
    };
  });
});
