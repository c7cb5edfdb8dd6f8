// Install, update, enable and registry sync in the admin UI (Alpine CSP build:
// components are registered here with Alpine.data; templates only name
// properties and methods). Loaded before alpine-csp.js (both deferred).
//
// Long operations go through the JSON API with the session cookie and the
// X-CSRF-Token header from <meta name="csrf-token">:
//   1. subscribe to the SSE topic (GET /events?topics=progress:…) and wait for
//      its `hello`, so no progress event is missed;
//   2. POST the operation → 202 with an operation id;
//   3. follow it with GET /api/v1/operations/<id>?wait=25 until it is no longer
//      running (works even when the event stream is unavailable).
// Every text shown comes from the server and is bound with x-text only.
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
  const enc = encodeURIComponent;
  const short = (sha) => (typeof sha === "string" ? sha.slice(0, 12) : "");
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const MAX_LINES = 400;

  class ApiError extends Error {
    constructor(message, code, status) {
      super(message);
      this.code = code;
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { accept: "application/json" };
    if (method !== "GET") headers["x-csrf-token"] = csrfToken();
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
    } catch {
      throw new ApiError("The daemon did not answer. Is it still running?", "network", 0);
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) throw new ApiError(data?.error?.message ?? `request failed (HTTP ${res.status})`, data?.error?.code ?? "http", res.status);
    return data;
  }

  /** Opens the event stream for one progress topic; resolves (with a close function) once it is open or has failed. */
  function subscribe(topic, onProgress) {
    let source;
    try {
      source = new EventSource(`/events?topics=${enc(topic)}`);
    } catch {
      return Promise.resolve(() => {});
    }
    source.addEventListener("progress", (m) => {
      try {
        onProgress(JSON.parse(m.data));
      } catch {
        // a malformed event is ignored; the operation result is authoritative
      }
    });
    const close = () => source.close();
    return new Promise((resolve) => {
      const fallback = setTimeout(() => resolve(close), 3000);
      const ready = () => {
        clearTimeout(fallback);
        resolve(close);
      };
      source.addEventListener("hello", ready, { once: true });
      source.addEventListener("error", () => {
        if (source.readyState === EventSource.CLOSED) ready();
      });
    });
  }

  /** Long-polls an operation until it has finished. */
  async function follow(op) {
    let cur = op;
    while (cur.status === "running") cur = await api("GET", `/api/v1/operations/${enc(cur.id)}?wait=25`);
    return cur;
  }

  /** What the spinner says while the last step runs. */
  const RUNNING_TEXT = {
    Start: "Starting",
    Fetch: "Fetching the code",
    Manifest: "Reading the manifest",
    Build: "Preparing the build",
    Run: "Running",
    Switch: "Switching to the new version",
    Stop: "Stopping the agent",
    Read: "Reading the registry",
  };

  const STEP_LABELS = {
    start: "Start",
    fetch: "Fetch",
    manifest: "Manifest",
    build: "Build",
    "build.step": "Run",
    swap: "Switch",
    stop: "Stop",
    read: "Read",
  };

  /** Step list shared by the operation components: `steps` rows with a state class. */
  const stepList = () => ({
    steps: [],
    lines: [],
    seq: 0,
    pushStep(label, message, state) {
      for (const s of this.steps) {
        if (s.state === "active") {
          s.state = "done";
          s.cls = "step step-done";
        }
      }
      this.steps.push({ id: ++this.seq, label, message, state, cls: `step step-${state}` });
    },
    get hasTerminalStep() {
      const last = this.steps[this.steps.length - 1];
      return !!last && (last.state === "ok" || last.state === "failed");
    },
    onProgress(e) {
      if (this.phase !== "running" || !e || typeof e.step !== "string") return;
      const message = typeof e.message === "string" ? e.message : "";
      if (e.step === "build.output") {
        this.lines.push(message);
        if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
        this.$nextTick(() => {
          const log = this.$refs.log;
          if (log) log.scrollTop = log.scrollHeight;
        });
        return;
      }
      if (e.step === "confirm") return; // the user already confirmed in this dialog
      // A failure's message is shown once, in the result box below the steps.
      if (e.done) this.pushStep(e.ok ? "Done" : "Failed", e.ok ? message : "", e.ok ? "ok" : "failed");
      else this.pushStep(STEP_LABELS[e.step] ?? e.step, message, "active");
    },
    /** Closes the step list with the operation's outcome when the stream did not deliver it. */
    settleSteps(op) {
      if (this.hasTerminalStep) return;
      const ok = op.status === "succeeded";
      this.pushStep(ok ? "Done" : "Failed", "", ok ? "ok" : "failed");
    },
    get hasLines() {
      return this.lines.length > 0;
    },
    get logText() {
      return this.lines.join("\n");
    },
  });

  /** Merges objects keeping getters as getters (object spread would freeze their values). */
  const compose = (...parts) => Object.defineProperties({}, Object.assign({}, ...parts.map((p) => Object.getOwnPropertyDescriptors(p))));

  // A dialog next to its trigger button: open / close, backdrop click closes.
  Alpine.data("modal", () => ({
    init() {
      this.$nextTick(() => closeOnBackdrop(this.$refs.dialog));
    },
    open() {
      this.$refs.dialog.showModal();
    },
    close() {
      this.$refs.dialog.close();
    },
  }));

  function closeOnBackdrop(dialog) {
    if (!dialog) return;
    dialog.addEventListener("click", (e) => {
      if (e.target === dialog) dialog.close();
    });
  }

  // The Enable form: live label with how many permissions are ticked.
  // Enable / approve: the primary button names exactly what it approves and
  // stays disabled while nothing is ticked, unless "enable with none" is
  // confirmed (a primary button never silently approves nothing).
  Alpine.data("enableForm", () => ({
    checked: 0,
    total: 0,
    noneConfirmed: false,
    init() {
      this.count();
    },
    boxes() {
      return [...this.$root.querySelectorAll('input[name="approve"]:not(:disabled)')];
    },
    count() {
      const boxes = this.boxes();
      this.total = boxes.length;
      this.checked = boxes.filter((b) => b.checked).length;
      if (this.checked > 0) this.noneConfirmed = false;
    },
    toggleAll(e) {
      for (const b of this.boxes()) b.checked = e.target.checked;
      this.count();
    },
    confirmNone(e) {
      this.noneConfirmed = e.target.checked;
    },
    get allChecked() {
      return this.total > 0 && this.checked === this.total;
    },
    get noneTicked() {
      return this.checked === 0;
    },
    get submitDisabled() {
      if (this.total === 0) return false;
      if (this.$root.dataset.mode === "approve") return this.checked === 0;
      return this.checked === 0 && !this.noneConfirmed;
    },
    get submitLabel() {
      if (this.$root.dataset.mode === "approve") return this.checked ? `Approve ${plural(this.checked, "permission", "permissions")}` : "Approve selected";
      if (this.total === 0) return "Enable";
      if (this.checked === 0) return this.noneConfirmed ? "Enable with no permissions" : "Enable";
      return this.checked === this.total ? `Enable with all ${this.total} approved` : `Enable with ${this.checked} of ${this.total} approved`;
    },
  }));

  // Install / update: plan → confirm → live progress → result.
  Alpine.data("agentOperation", () =>
    compose(stepList(), {
      kind: "install",
      agent: "",
      registry: "",
      local: false,
      phase: "idle",
      plan: null,
      planError: "",
      op: null,
      elapsed: 0,

      init() {
        const d = this.$root.dataset;
        this.kind = d.kind === "update" ? "update" : "install";
        this.agent = d.agent ?? "";
          this.registry = d.registry ?? "";
        this.local = d.local === "1";
        this.$nextTick(() => {
          const dialog = this.$refs.dialog;
          closeOnBackdrop(dialog);
          // Closing after the operation finished shows the page's new state.
          dialog?.addEventListener("close", () => {
            if (this.isDone) location.reload();
          });
        });
      },
      open() {
        this.$refs.dialog.showModal();
        if (this.phase === "idle" || this.phase === "planError") this.loadPlan();
      },
      close() {
        this.$refs.dialog.close();
      },
      finish() {
        location.reload();
      },
      /** The agent's display name, from a hidden text node (never from an attribute). */
      get name() {
        return this.$refs.agentName?.textContent || this.agent;
      },
      planUrl() {
        const base = `/api/v1/agents/${enc(this.agent)}`;
        if (this.kind === "update") return `${base}/update-plan`;
        const q = new URLSearchParams();
        if (this.registry) q.set("registry", this.registry);
        if (this.local) q.set("local", "1");
        const qs = q.toString();
        return `${base}/install-plan${qs ? `?${qs}` : ""}`;
      },
      async loadPlan() {
        this.phase = "loading";
        this.planError = "";
        try {
          this.plan = await api("GET", this.planUrl());
          this.phase = "plan";
        } catch (e) {
          this.planError = e.message;
          this.phase = "planError";
        }
      },
      async confirm() {
        if (!this.canConfirm) return;
        this.phase = "running";
        this.steps = [];
        this.lines = [];
        this.op = null;
        this.elapsed = 0;
        const started = Date.now();
        const tick = setInterval(() => {
          this.elapsed = Math.round((Date.now() - started) / 1000);
        }, 1000);
        const close = await subscribe(`progress:install:${this.agent}`, (e) => this.onProgress(e));
        let end;
        try {
          const body =
            this.kind === "install"
              ? { confirm: true, ...(this.registry ? { registry: this.registry } : {}), ...(this.local ? { local: true } : {}), ...(this.plan.headCommit ? { expect_commit: this.plan.headCommit } : {}) }
              : { confirm: true, expect_commit: this.plan.toCommit };
          this.op = await api("POST", `/api/v1/agents/${enc(this.agent)}/${this.kind}`, body);
          end = await follow(this.op);
        } catch (e) {
          end = { status: "failed", result: null, error: { code: e.code, message: e.message } };
        } finally {
          close();
          clearInterval(tick);
        }
        this.op = end;
        this.settleSteps(end);
        this.phase = end.status === "succeeded" ? "succeeded" : "failed";
      },

      // Phases
      get isLoading() {
        return this.phase === "loading";
      },
      get isPlanError() {
        return this.phase === "planError";
      },
      get showPlan() {
        return this.phase === "plan" && !!this.plan;
      },
      get isRunning() {
        return this.phase === "running";
      },
      get isSucceeded() {
        return this.phase === "succeeded";
      },
      get isFailed() {
        return this.phase === "failed";
      },
      get isDone() {
        return this.isSucceeded || this.isFailed;
      },
      get showProgress() {
        return this.isRunning || this.isDone;
      },
      get showCancel() {
        return !this.isDone;
      },
      get cancelLabel() {
        if (this.isRunning) return "Hide";
        if (this.isPlanError || this.isUpToDate) return "Close";
        return "Cancel";
      },
      get canConfirm() {
        return this.showPlan && !(this.kind === "update" && this.plan.upToDate);
      },
      get runningText() {
        const last = this.steps[this.steps.length - 1];
        const doing = last ? (RUNNING_TEXT[last.label] ?? `${last.label}`) : this.kind === "install" ? "Starting the install" : "Fetching the new version";
        const what = last?.label === "Run" ? `${doing} ${last.message}` : doing;
        return `${what}… ${this.elapsed} s`;
      },

      // Plan (install and update)
      get planSource() {
        const p = this.plan;
        if (!p) return "";
        return p.source === "local" ? "Local checkout, built in place (dev mode)" : `Registry ${p.registry ?? "?"}`;
      },
      get planGitUrl() {
        return this.plan?.gitUrl ?? "—";
      },
      get planRef() {
        return this.plan?.ref ?? "as checked out";
      },
      get planCommit() {
        const p = this.plan;
        if (!p) return "";
        if (p.commit) return p.pinnedCommit && p.commit === p.pinnedCommit ? `${p.commit} (verified: the registry pins this commit)` : p.commit;
        // headCommit: what the ref names at the source now (git ls-remote); the install refuses any other commit.
        if (p.headCommit && p.pinnedCommit) return p.headCommit === p.pinnedCommit ? `${p.headCommit} (the registry pins this commit)` : `${p.headCommit} (the registry pins ${p.pinnedCommit}: the install will refuse this)`;
        if (p.headCommit) return `${p.headCommit} (what ${p.ref ?? "the ref"} names now; installed only if it still does)`;
        if (p.pinnedCommit) return `${p.pinnedCommit} (pinned by the registry, verified after fetching)`;
        return p.source === "remote" ? "unknown: the source could not be asked (see the warnings)" : "the files as they are now";
      },
      // Update plans: the registry's pin, which the fetched commit was verified against.
      get hasPinnedCommit() {
        return !!this.plan?.pinnedCommit;
      },
      get pinnedCommit() {
        return this.plan?.pinnedCommit ?? "";
      },
      get planCommands() {
        return this.plan?.commands ?? [];
      },
      get planEnv() {
        return Object.entries(this.plan?.env ?? {}).map(([k, v]) => `${k}=${v}`);
      },
      get planBuildDirectory() {
        return this.plan?.buildDirectory ?? "";
      },
      get planInstallPath() {
        return this.plan?.installPath ?? "";
      },
      get planPermissions() {
        return this.plan?.permissionsRequested ?? [];
      },
      get noPermissions() {
        return this.planPermissions.length === 0;
      },
      get planWarnings() {
        return this.plan?.warnings ?? [];
      },
      get hasWarnings() {
        return this.planWarnings.length > 0;
      },

      // Update plan
      get isUpToDate() {
        return this.kind === "update" && !!this.plan?.upToDate;
      },
      get hasUpdate() {
        return this.kind === "update" && !!this.plan && !this.plan.upToDate;
      },
      get fromShort() {
        return short(this.plan?.fromCommit) || "—";
      },
      get toShort() {
        return short(this.plan?.toCommit);
      },
      get fromVersionText() {
        return this.plan?.fromVersion ? `v${this.plan.fromVersion}` : "unknown";
      },
      get toVersionText() {
        return this.plan?.toVersion ? `v${this.plan.toVersion}` : "";
      },
      get historyRewritten() {
        return !!this.plan?.historyRewritten;
      },
      get planCommits() {
        return (this.plan?.commits ?? []).map((c) => ({ sha: c.sha, short: String(c.sha).slice(0, 8), subject: c.subject }));
      },
      get commitsHeading() {
        if (this.historyRewritten) return "Commits: not listed (the histories differ)";
        const n = this.planCommits.length;
        return n >= 50 ? "Newest 50 commits" : `${plural(n, "new commit", "new commits")}`;
      },
      get permsAdded() {
        return this.plan?.permissions?.added ?? [];
      },
      get permsRemoved() {
        return this.plan?.permissions?.removed ?? [];
      },
      get noPermissionChanges() {
        return this.permsAdded.length === 0 && this.permsRemoved.length === 0;
      },
      get hasEscalation() {
        return (this.plan?.escalation ?? []).length > 0;
      },
      addedNote(p) {
        return (this.plan?.escalation ?? []).includes(p) ? "new: needs your approval" : "new: already approved";
      },

      // Result
      get resultTitle() {
        const r = this.op?.result;
        if (!r) return "";
        if (this.kind === "install") return `Installed ${this.name}`;
        return r.upToDate ? "Already up to date" : `Updated ${this.name}`;
      },
      get resultText() {
        const r = this.op?.result;
        if (!r) return "";
        const took = typeof r.durationMs === "number" ? ` in ${(r.durationMs / 1000).toFixed(1)} s` : "";
        if (this.kind === "install") return `Built${r.commit ? ` from commit ${short(r.commit)}` : ""}${took}; installed in ${r.installPath}.`;
        if (r.upToDate) return `Still at commit ${short(r.toCommit)}.`;
        return `Now at commit ${short(r.toCommit)} (was ${short(r.fromCommit) || "unknown"})${took}.`;
      },
      get resultNotes() {
        const r = this.op?.result;
        if (!r) return [];
        const notes = [];
        if (this.kind === "install") {
          const d = r.permissionDiff;
          if (d && (d.added.length || d.removed.length)) {
            notes.push(`Its manifest asks for other permissions than the registry listed (added: ${d.added.join(", ") || "none"}; removed: ${d.removed.join(", ") || "none"}).`);
          }
          if (!r.enabled) notes.push("It is not enabled yet: choose Enable to approve the permissions it may use.");
        } else {
          if (r.escalation?.length) notes.push(`Disabled until you approve: ${r.escalation.join(", ")}.`);
          if (r.droppedApprovals?.length) notes.push(`Approvals dropped (no longer requested): ${r.droppedApprovals.join(", ")}.`);
        }
        return notes;
      },
      get failTitle() {
        return this.kind === "install" ? "Install failed" : "Update failed";
      },
      get errorMessage() {
        return this.op?.error?.message ?? "";
      },
      /** The log tail of a failed build, unless its output was already streamed above. */
      get hasTail() {
        return (this.op?.error?.tail ?? []).length > 0 && !this.hasLines;
      },
      get tailText() {
        return (this.op?.error?.tail ?? []).join("\n");
      },
    }),
  );

  // Registry card: sync (optionally --force) with live progress. The page is
  // reloaded afterwards (fresh status, commit and entry errors from the server)
  // and shows the result it left in sessionStorage.
  Alpine.data("registrySync", () =>
    compose(stepList(), {
      name: "",
      phase: "idle",
      op: null,

      init() {
        this.name = this.$root.dataset.name ?? "";
        const key = this.flashKey();
        const saved = sessionStorage.getItem(key);
        if (!saved) return;
        sessionStorage.removeItem(key);
        try {
          const f = JSON.parse(saved);
          this.steps = f.steps ?? [];
          this.seq = this.steps.length;
          this.op = f.op;
          this.phase = f.op?.status === "succeeded" ? "succeeded" : "failed";
        } catch {
          this.phase = "idle";
        }
      },
      flashKey() {
        return `opensentience:sync:${this.name}`;
      },
      sync() {
        this.run(false);
      },
      openForce() {
        this.$refs.forceDialog?.showModal();
      },
      closeForce() {
        this.$refs.forceDialog?.close();
      },
      forceSync() {
        this.closeForce();
        this.run(true);
      },
      dismiss() {
        this.phase = "idle";
      },
      async run(force) {
        if (this.phase === "running") return;
        this.phase = "running";
        this.steps = [];
        const close = await subscribe(`progress:registry:${this.name}`, (e) => this.onProgress(e));
        let end;
        try {
          const op = await api("POST", `/api/v1/registries/${enc(this.name)}/sync`, force ? { force: true } : {});
          end = await follow(op);
        } catch (e) {
          end = { status: "failed", result: null, error: { code: e.code, message: e.message } };
        } finally {
          close();
        }
        this.settleSteps(end);
        sessionStorage.setItem(this.flashKey(), JSON.stringify({ steps: this.steps, op: end }));
        // Same page without its query (an "added" notice is stale now).
        location.assign(location.pathname);
      },
      get showPanel() {
        return this.phase !== "idle";
      },
      get isRunning() {
        return this.phase === "running";
      },
      get isSucceeded() {
        return this.phase === "succeeded";
      },
      get isFailed() {
        return this.phase === "failed";
      },
      /** A refused rewritten history is already explained by the card itself. */
      get showFailure() {
        return this.isFailed && this.$root.dataset.rewritten !== "1";
      },
      get resultTitle() {
        const r = this.op?.result;
        if (!r) return "";
        return `Synced at ${short(r.commit)}${r.forced ? " (rewritten history accepted)" : ""}`;
      },
      get resultText() {
        const r = this.op?.result;
        if (!r) return "";
        const parts = [`${r.added.length} new`, `${r.updated.length} updated`, `${r.removed.length} removed`, `${r.unchanged} unchanged`];
        if (r.errors.length) parts.push(plural(r.errors.length, "bad entry", "bad entries"));
        const took = typeof r.durationMs === "number" ? ` in ${(r.durationMs / 1000).toFixed(1)} s` : "";
        return `${parts.join(" · ")}${took}`;
      },
      get changes() {
        const r = this.op?.result;
        if (!r) return [];
        return [
          ...r.added.map((id) => ({ sign: "+", text: id, cls: "diff-add" })),
          ...r.updated.map((id) => ({ sign: "~", text: id, cls: "diff-change" })),
          ...r.removed.map((id) => ({ sign: "−", text: id, cls: "diff-remove" })),
          ...r.errors.map((e) => ({ sign: "!", text: `${e.file}: ${e.message}`, cls: "diff-error" })),
        ].slice(0, 200);
      },
      get errorMessage() {
        return this.op?.error?.message ?? "";
      },
    }),
  );
});
