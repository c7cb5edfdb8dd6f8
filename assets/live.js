// Live updates for the admin UI over Server-Sent Events (GET /events, see
// src/web/sse.ts for the contract). One EventSource per page, shared by every
// component through `window.osLive`:
//
//   osLive.on(type, fn)          -> unsubscribe; type is an SSE event name
//                                   ("agent.status", "agent.log", "chat", "progress",
//                                   "audit", "catalog.changed", "hello", "snapshot")
//                                   or "state" (connection state changes)
//   osLive.subscribe(topics)     adds topics (reconnects with the union)
//   osLive.unsubscribe(topics)
//   osLive.agent(id)             last known {install, runtime} of an agent
//   osLive.csrf()                the current CSRF token (refreshed by `hello`)
//   osLive.post(url, body)       same-origin JSON POST with the CSRF header
//   osLive.request(method, url, body?)  the same for any method (retries once with a
//                                   fresh CSRF token after a 403 for a stale one)
//
// Topics also come from markup: every `data-live-topics="a,b"` attribute.
// Written for the CSP (no eval, no inline code); all text goes in with
// textContent, never as HTML.
(() => {
  const RETRY_MIN_MS = 2000;
  const RETRY_MAX_MS = 15000;
  const listeners = new Map();
  const topics = new Set();
  const agents = new Map();
  let es = null;
  let state = "idle"; // idle | connecting | live | reconnecting | down | logged-out
  let retryMs = RETRY_MIN_MS;
  let retryTimer = null;
  let reopenTimer = null;
  let started = false;
  let hadHello = false;
  const helloWaiters = [];

  const emit = (type, data) => {
    for (const fn of [...(listeners.get(type) || [])]) {
      try {
        fn(data);
      } catch (e) {
        console.warn("live listener failed", e);
      }
    }
  };

  const setState = (s) => {
    if (state === s) return;
    state = s;
    renderIndicator();
    emit("state", s);
  };

  const csrf = () => {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") || "" : "";
  };

  /** After a daemon restart and a new login the session (and its CSRF token) changed. */
  const adoptCsrf = (token) => {
    if (!token || token === csrf()) return;
    const m = document.querySelector('meta[name="csrf-token"]');
    if (m) m.setAttribute("content", token);
    for (const input of document.querySelectorAll('input[name="_csrf"]')) input.value = token;
  };

  const EVENT_TYPES = ["hello", "snapshot", "agent.status", "agent.log", "progress", "chat", "audit", "catalog.changed"];

  const url = () => `/events?topics=${encodeURIComponent([...topics].sort().join(","))}`;

  function open() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (topics.size === 0) return;
    if (es) es.close();
    setState(hadHello ? "reconnecting" : "connecting");
    const source = new EventSource(url());
    es = source;
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (ev) => {
        if (source !== es) return;
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return;
        }
        handle(type, data);
      });
    }
    source.onerror = () => {
      if (source !== es) return;
      if (source.readyState === EventSource.CLOSED) {
        // A refused reconnect (e.g. 401 after a daemon restart): EventSource gives up; we do not.
        es = null;
        source.close();
        void diagnose();
        scheduleRetry();
      } else {
        // The browser retries by itself (after `retry`), e.g. while the daemon restarts.
        setState("reconnecting");
      }
    };
  }

  async function diagnose() {
    try {
      const r = await fetch("/api/v1/health", { credentials: "same-origin", cache: "no-store" });
      if (es) return;
      setState(r.status === 401 ? "logged-out" : "reconnecting");
    } catch {
      if (!es) setState("down");
    }
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function handle(type, data) {
    if (type === "hello") {
      retryMs = RETRY_MIN_MS;
      const resync = hadHello;
      hadHello = true;
      adoptCsrf(data.csrf);
      setState("live");
      for (const w of helloWaiters.splice(0)) w();
      emit("hello", Object.assign({ resync }, data));
      return;
    }
    if (type === "snapshot") {
      for (const a of data.agents || []) {
        agents.set(a.agentId, { install: a.install, runtime: a.runtime });
        renderAgent(a.agentId);
      }
      emit("snapshot", data);
      return;
    }
    if (type === "agent.status") applyStatus(data.agentId, data.status || {});
    emit(type, data);
  }

  /** Runtime statuses (from the supervisor) carry `restarts`; install/enable changes do not. */
  function applyStatus(agentId, status) {
    const cur = agents.get(agentId) || { install: null, runtime: null };
    if ("restarts" in status) cur.runtime = status;
    else if (status.state === "uninstalled" || status.state === "uninstalling") cur.install = null;
    else if (typeof status.state === "string") {
      const prev = cur.install;
      // installedAt (which exits belong to this install) is kept; an install that just finished starts now.
      const installedAt = prev && prev.installedAt && prev.state === "installed" ? prev.installedAt : status.state === "installed" ? new Date().toISOString() : prev && prev.installedAt;
      cur.install = { state: status.state, enabled: !!status.enabled, devMode: !!(prev && prev.devMode), installedAt };
    }
    agents.set(agentId, cur);
    renderAgent(agentId);
  }

  // ---------------------------------------------------------------- badges

  function badge(tone, label, title) {
    const b = document.createElement("span");
    b.className = `badge badge-${tone}`;
    if (title) b.title = title;
    const dot = document.createElement("span");
    dot.className = "badge-dot";
    dot.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    text.textContent = label;
    b.append(dot, text);
    return b;
  }

  const INSTALL = {
    installing: ["info", "Installing"],
    installed: ["success", "Installed"],
    install_failed: ["danger", "Install failed"],
  };

  /** The runtime part of an agent's badges, shared with the runtime panel. */
  function runtimeBadges(rt) {
    if (!rt) return [];
    switch (rt.state) {
      case "running":
        return [badge("success", "Running"), rt.healthy ? badge("success", "Healthy") : badge("danger", "Unhealthy", "No heartbeat for three intervals")];
      case "starting":
        return [badge("info", "Starting")];
      case "stopping":
        return [badge("info", "Stopping")];
      case "backoff":
        return [badge("warning", rt.backoffMs ? `Backoff ${formatMs(rt.backoffMs)}` : "Backoff", "Crashed; restarting after a delay")];
      case "failed":
        return [badge("danger", "Failed", rt.lastExit ? rt.lastExit.reason : "Restart budget exhausted")];
      case "exited":
        return [badge("neutral", "Exited", "Dev mode: not restarted")];
      default:
        return [];
    }
  }

  function renderAgent(agentId) {
    const a = agents.get(agentId);
    if (!a) return;
    for (const el of document.querySelectorAll("[data-live-agent]")) {
      if (el.getAttribute("data-live-agent") !== agentId) continue;
      const install = el.querySelector('[data-live-part="install"]');
      const enabled = el.querySelector('[data-live-part="enabled"]');
      const runtime = el.querySelector('[data-live-part="runtime"]');
      if (install) {
        const spec = a.install ? (a.install.state === "installed" && a.install.devMode ? ["accent", "Local dev"] : INSTALL[a.install.state]) : null;
        // Without an install, the catalog's own status (rendered by the server) stays; it is kept in data-fallback.
        if (spec) install.replaceChildren(badge(spec[0], spec[1]));
        else if (install.hasAttribute("data-was-installed")) install.replaceChildren(badge("neutral", "Not installed"));
        if (a.install) install.setAttribute("data-was-installed", "");
      }
      if (enabled) enabled.replaceChildren(...(a.install && a.install.enabled ? [badge("success", "Enabled", "Allowed to run")] : []));
      if (runtime) runtime.replaceChildren(...runtimeBadges(a.runtime));
      el.setAttribute("data-runtime-state", a.runtime ? a.runtime.state : "stopped");
    }
    emit("agent", { agentId, install: a.install, runtime: a.runtime });
  }

  // ------------------------------------------------------------ indicator

  const INDICATOR = {
    idle: ["", ""],
    connecting: ["connecting", "Connecting…"],
    live: ["live", "Live"],
    reconnecting: ["reconnecting", "Reconnecting…"],
    down: ["down", "Daemon unreachable, retrying…"],
    "logged-out": ["down", "Session ended"],
  };

  function renderIndicator() {
    for (const el of document.querySelectorAll("[data-live-indicator]")) {
      const [cls, label] = INDICATOR[state] || INDICATOR.idle;
      el.hidden = state === "idle";
      el.className = `live-indicator live-${cls}`;
      el.title = state === "logged-out" ? "The daemon restarted or your session expired: log in again" : "Live updates from the daemon";
      const text = el.querySelector("[data-live-label]");
      if (text) text.textContent = label;
      const login = el.querySelector("[data-live-login]");
      if (login) {
        login.hidden = state !== "logged-out";
        // Back to this page after logging in (the server keeps only same-origin paths).
        login.setAttribute("href", `/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      }
    }
  }

  // --------------------------------------------------------------- helpers

  function formatMs(ms) {
    if (ms < 1000) return `${ms} ms`;
    const s = ms / 1000;
    return s < 60 ? `${s % 1 ? s.toFixed(1) : s} s` : `${Math.round(s / 60)} min`;
  }

  function ago(iso) {
    if (!iso) return "—";
    const d = Date.now() - Date.parse(iso);
    if (!Number.isFinite(d)) return "—";
    if (d < 2000) return "just now";
    if (d < 60000) return `${Math.round(d / 1000)} s ago`;
    if (d < 3600000) return `${Math.round(d / 60000)} min ago`;
    return new Date(iso).toLocaleString();
  }

  /** Reconnects and resolves at the next `hello` (which carries the cookie's current CSRF token). */
  function freshHello() {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      helloWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      if (topics.size === 0) topics.add("catalog");
      open();
    });
  }

  /**
   * Same-origin JSON request with the CSRF header. A 403 for a stale token
   * (another tab logged in again, the daemon restarted) refreshes the token
   * from the stream and retries once.
   */
  async function request(method, path, body, retried) {
    const res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { "x-csrf-token": csrf() } : { "content-type": "application/json", "x-csrf-token": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const msg = data && data.error ? data.error.message : `request failed (${res.status})`;
      if (res.status === 403 && !retried && method !== "GET" && /CSRF/.test(msg)) {
        await freshHello();
        return request(method, path, body, true);
      }
      const err = new Error(msg);
      err.code = data && data.error ? data.error.code : `http_${res.status}`;
      err.status = res.status;
      throw err;
    }
    return data;
  }

  const post = (path, body) => request("POST", path, body || {});

  function collectTopics() {
    for (const el of document.querySelectorAll("[data-live-topics]")) {
      for (const t of (el.getAttribute("data-live-topics") || "").split(",")) if (t.trim()) topics.add(t.trim());
    }
  }

  function reopenSoon() {
    if (!started) return;
    clearTimeout(reopenTimer);
    reopenTimer = setTimeout(open, 30);
  }

  function start() {
    if (started) return;
    started = true;
    collectTopics();
    // Watch the agents a page shows badges for: all of them at once on a list, else one by one.
    if (document.querySelector("[data-live-all-agents]")) topics.add("agents");
    else for (const el of document.querySelectorAll("[data-live-agent]")) topics.add(`agent:${el.getAttribute("data-live-agent")}`);
    // The stream takes at most 64 topics: many agents are covered by `agents` (status only).
    if (topics.size > 60) {
      for (const t of [...topics]) if (t.startsWith("agent:")) topics.delete(t);
      topics.add("agents");
    }
    open();
  }

  window.osLive = {
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(fn);
      return () => listeners.get(type).delete(fn);
    },
    subscribe(list) {
      let changed = false;
      for (const t of list) {
        if (t && !topics.has(t)) {
          topics.add(t);
          changed = true;
        }
      }
      if (changed) reopenSoon();
    },
    unsubscribe(list) {
      let changed = false;
      for (const t of list) changed = topics.delete(t) || changed;
      if (changed) reopenSoon();
    },
    agent: (id) => agents.get(id) || null,
    get state() {
      return state;
    },
    csrf,
    post,
    request,
    formatMs,
    ago,
    badge,
    runtimeBadges,
  };

  // Components register in alpine:init; connect once they have (so no snapshot is missed).
  document.addEventListener("alpine:initialized", start);
  document.addEventListener("DOMContentLoaded", () => setTimeout(start, 0));
  window.addEventListener("pagehide", () => {
    if (es) es.close();
  });
})();

// ------------------------------------------------------------------ components
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  const live = window.osLive;

  // Runtime panel of the agent detail page: state, heartbeat, restarts, backoff,
  // last exit, and run / stop / restart (stop and restart ask first).
  Alpine.data("runtimeControls", () => ({
    agentId: "",
    rt: null,
    install: null,
    busy: "",
    error: "",
    confirming: "",
    now: Date.now(),
    init() {
      this.agentId = this.$root.getAttribute("data-agent") || "";
      try {
        const initial = JSON.parse(this.$root.getAttribute("data-initial") || "{}");
        this.rt = initial.runtime || null;
        this.install = initial.install || null;
      } catch {
        this.rt = null;
      }
      this.off = live.on("agent", (a) => {
        if (a.agentId !== this.agentId) return;
        this.rt = a.runtime;
        this.install = a.install;
      });
      this.tick = setInterval(() => {
        this.now = Date.now();
      }, 1000);
      this.onKey = (e) => {
        if (e.key === "Escape" && this.confirming) this.cancelConfirm();
      };
      document.addEventListener("keydown", this.onKey);
    },
    destroy() {
      if (this.off) this.off();
      clearInterval(this.tick);
      document.removeEventListener("keydown", this.onKey);
    },
    get state() {
      return this.rt ? this.rt.state : "stopped";
    },
    get runnable() {
      return !!this.install && this.install.state === "installed" && this.install.enabled;
    },
    get notRunnable() {
      return !this.runnable;
    },
    get hint() {
      if (!this.install) return "Install this agent first: only installed and enabled agents can run.";
      if (this.install.state !== "installed") return `The install is ${this.install.state.replace("_", " ")}: it can run once installed.`;
      if (!this.install.enabled) return "Enable this agent (approve its permissions) to run it.";
      return "";
    },
    get stateLabel() {
      const s = this.state;
      if (s === "running") return this.rt && this.rt.healthy ? "Running" : "Running (unhealthy)";
      return s.charAt(0).toUpperCase() + s.slice(1);
    },
    // Same words as intentLabel() in src/web/components/runtime-controls.tsx.
    get intentLabel() {
      if (!this.rt || this.rt.intent !== "running") return "Stays stopped";
      return this.rt.autostart ? "Will start with the daemon" : "Won't start with the daemon (autostart off)";
    },
    get stateClass() {
      const tone = { running: "success", starting: "info", stopping: "info", backoff: "warning", failed: "danger", exited: "neutral", stopped: "neutral" }[this.state] || "neutral";
      return `runtime-state runtime-state-${this.rt && this.state === "running" && !this.rt.healthy ? "danger" : tone}`;
    },
    get canRun() {
      return this.runnable && !this.busy && (this.state === "stopped" || this.state === "failed" || this.state === "exited");
    },
    get canStop() {
      // Also when only the intent is left (failed, or not started by the daemon): Stop then clears it.
      return !this.busy && (this.state === "running" || this.state === "starting" || this.state === "backoff" || (!!this.rt && this.rt.intent === "running"));
    },
    get canRestart() {
      return this.runnable && !this.busy && (this.state === "running" || this.state === "backoff" || this.state === "failed" || this.state === "exited");
    },
    get cannotRun() {
      return !this.canRun;
    },
    get cannotStop() {
      return !this.canStop;
    },
    get cannotRestart() {
      return !this.canRestart;
    },
    get pid() {
      return this.rt && this.rt.pid ? String(this.rt.pid) : "—";
    },
    get heartbeat() {
      void this.now;
      return this.rt && this.rt.lastHeartbeatAt && this.state === "running" ? live.ago(this.rt.lastHeartbeatAt) : "—";
    },
    get startedAgo() {
      void this.now;
      return this.rt && this.rt.startedAt && this.state === "running" ? live.ago(this.rt.startedAt) : "—";
    },
    get restarts() {
      return this.rt ? String(this.rt.restarts) : "0";
    },
    get backoff() {
      void this.now;
      if (!this.rt || this.state !== "backoff" || !this.rt.backoffMs) return "—";
      const next = this.rt.nextRestartAt ? Math.max(0, Date.parse(this.rt.nextRestartAt) - this.now) : null;
      return next === null ? live.formatMs(this.rt.backoffMs) : `${live.formatMs(this.rt.backoffMs)} (next try in ${live.formatMs(Math.ceil(next / 1000) * 1000)})`;
    },
    /** The last exit if it belongs to the current install (src/web/runtime-view.ts: a reinstall starts with none). */
    currentExit() {
      const e = this.rt && this.rt.lastExit;
      if (!e) return null;
      const since = this.install && this.install.installedAt ? Date.parse(this.install.installedAt) : NaN;
      return Date.parse(e.at) < since ? null : e;
    },
    get lastExit() {
      const e = this.currentExit();
      if (!e) return "—";
      const how = e.signal ? `signal ${e.signal}` : e.code === null ? "" : `code ${e.code}`;
      return how ? `${e.reason} (${how})` : e.reason;
    },
    get lastExitAt() {
      void this.now;
      const e = this.currentExit();
      return e ? live.ago(e.at) : "";
    },
    get tools() {
      return this.rt ? String(this.rt.tools) : "0";
    },
    get busyLabel() {
      return { run: "Starting…", stop: "Stopping…", restart: "Restarting…" }[this.busy] || "";
    },
    get confirmTitle() {
      return this.confirming === "stop" ? "Stop this agent?" : "Restart this agent?";
    },
    get confirmBody() {
      return this.confirming === "stop"
        ? "In-flight tool calls and chat turns are canceled and the agent process is shut down. It stays installed and enabled, and stays stopped when the daemon restarts."
        : "The agent process is shut down and started again. In-flight tool calls and chat turns are canceled.";
    },
    get confirmLabel() {
      return this.confirming === "stop" ? "Stop agent" : "Restart agent";
    },
    get notConfirming() {
      return this.confirming === "";
    },
    get notBusy() {
      return this.busy === "";
    },
    get noError() {
      return this.error === "";
    },
    askStop() {
      this.error = "";
      this.confirming = "stop";
      this.$nextTick(() => this.$refs.confirmButton && this.$refs.confirmButton.focus());
    },
    askRestart() {
      this.error = "";
      this.confirming = "restart";
      this.$nextTick(() => this.$refs.confirmButton && this.$refs.confirmButton.focus());
    },
    cancelConfirm() {
      this.confirming = "";
    },
    backdrop(e) {
      if (e && e.target === e.currentTarget) this.cancelConfirm();
    },
    confirm() {
      const action = this.confirming;
      this.confirming = "";
      void this.act(action);
    },
    run() {
      void this.act("run");
    },
    async act(action) {
      this.error = "";
      this.busy = action;
      try {
        const st = await live.post(`/api/v1/agents/${encodeURIComponent(this.agentId)}/${action}`, {});
        if (st && st.agentId) this.rt = st;
      } catch (e) {
        this.error = e.message;
      } finally {
        this.busy = "";
      }
    },
  }));
});
