/**
 * Per-agent admission control: a concurrency limit with a bounded wait queue,
 * and a calls-per-minute token bucket. Every call is admitted, queued, or
 * rejected with a code — never left hanging.
 */
export interface LimitSettings {
  maxConcurrency: number;
  callsPerMinute: number;
  /** Calls allowed to wait for a slot before new ones are rejected as overloaded. */
  maxQueued: number;
}

/** What admission and a pending call listen to: an AbortSignal, or a call's Deadline. */
export interface Abortable {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, opts?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * Listeners fired once, like an AbortSignal's "abort" event, in plain JS: an
 * AbortController and its signal's listeners go through the native
 * EventTarget, which cost several % of the daemon's CPU per HTTP tool call
 * (measured inside one daemon); this is a flag and a set. `abort()` is what
 * the caller going away calls (the HTTP route's request signal).
 */
export class CallCancel implements Abortable {
  protected done = false;
  protected readonly listeners = new Set<() => void>();

  get aborted(): boolean {
    return this.done;
  }

  addEventListener(_type: "abort", listener: () => void, _opts?: { once?: boolean }): void {
    if (!this.done) this.listeners.add(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    this.listeners.delete(listener);
  }

  /** Fires the listeners once; later calls do nothing. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const l of listeners) l();
  }
}

/**
 * A call's deadline: `aborted` once `ms` have passed, and "abort" listeners
 * fired then. Unlike AbortSignal.timeout (a timer and a signal object for
 * every call, kept until it fires, even when the call took 100 µs), a deadline
 * costs nothing until someone listens, and then only a place in the shared
 * DeadlineTimer below, which calls `abort()` when the time is up.
 */
export class Deadline extends CallCancel {
  readonly at: number;

  constructor(readonly ms: number) {
    super();
    this.at = performance.now() + ms;
  }

  override get aborted(): boolean {
    return this.done || performance.now() >= this.at;
  }

  override addEventListener(type: "abort", listener: () => void, opts?: { once?: boolean }): void {
    super.addEventListener(type, listener, opts);
    if (this.listeners.size === 1) deadlines.watch(this);
  }

  override removeEventListener(_type: "abort", listener: () => void): void {
    if (this.listeners.delete(listener) && this.listeners.size === 0) deadlines.unwatch(this);
  }
}

/**
 * One timer for every deadline someone listens to, armed for the earliest.
 * A timer per call (setTimeout when the call is sent, clearTimeout when its
 * answer comes) cost ~5 % of the daemon's CPU per tool call, measured inside
 * one daemon. Calls mostly share a timeout, so a new deadline is rarely the
 * earliest: the timer is not touched when a call starts or ends, and fires
 * about once per timeout period to find nothing due and re-arm. Deadlines
 * watched are calls in flight, so the scan when it fires is short.
 */
class DeadlineTimer {
  private readonly watched = new Set<Deadline>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private armedAt = Number.POSITIVE_INFINITY;

  watch(d: Deadline): void {
    this.watched.add(d);
    if (d.at < this.armedAt) this.arm(d.at);
  }

  unwatch(d: Deadline): void {
    this.watched.delete(d);
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.due(), Math.max(0, Math.ceil(at - performance.now())));
    // A pending deadline must not keep a process alive by itself (the call that listens does).
    this.timer.unref?.();
  }

  private due(): void {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const fired: Deadline[] = [];
    for (const d of this.watched) {
      if (d.at <= now) fired.push(d);
      else if (d.at < next) next = d.at;
    }
    for (const d of fired) this.watched.delete(d);
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    // Earliest first, as separate timers would fire them when the event loop ran late past several.
    if (fired.length > 1) fired.sort((a, b) => a.at - b.at);
    for (const d of fired) d.abort();
  }
}

const deadlines = new DeadlineTimer();

export type Admission = { ok: true; release: () => void } | { ok: false; code: "rate_limited" | "overloaded" | "canceled"; message: string };

export class CallLimiter {
  private inflight = 0;
  private readonly waiting: Array<{ grant: () => void; reject: (code: "canceled") => void }> = [];
  private tokens: number;
  private last: number;

  constructor(
    private settings: LimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = settings.callsPerMinute;
    this.last = now();
  }

  update(settings: LimitSettings): void {
    this.settings = settings;
    this.tokens = Math.min(this.tokens, settings.callsPerMinute);
  }

  get active(): number {
    return this.inflight;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private takeToken(): boolean {
    const t = this.now();
    const rate = this.settings.callsPerMinute / 60_000;
    this.tokens = Math.min(this.settings.callsPerMinute, this.tokens + (t - this.last) * rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * A slot now (no promise, no listener: the common case), or a wait that
   * either signal aborts (the call's deadline, the caller going away).
   */
  admit(signal?: Abortable, other?: Abortable): Admission | Promise<Admission> {
    if (!this.takeToken()) {
      return { ok: false, code: "rate_limited", message: `more than ${this.settings.callsPerMinute} calls per minute` };
    }
    if (this.inflight < this.settings.maxConcurrency) {
      this.inflight++;
      return { ok: true, release: this.releaser() };
    }
    if (this.waiting.length >= this.settings.maxQueued) {
      return { ok: false, code: "overloaded", message: `${this.inflight} calls running and ${this.waiting.length} waiting (max_concurrency ${this.settings.maxConcurrency})` };
    }
    return new Promise<Admission>((resolve) => {
      const unlisten = () => {
        signal?.removeEventListener("abort", onAbort);
        other?.removeEventListener("abort", onAbort);
      };
      const entry = {
        grant: () => {
          unlisten();
          this.inflight++;
          resolve({ ok: true, release: this.releaser() });
        },
        reject: (code: "canceled") => resolve({ ok: false, code, message: "canceled while waiting for a free slot" }),
      };
      const onAbort = () => {
        unlisten();
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        entry.reject("canceled");
      };
      if (signal?.aborted || other?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      other?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inflight--;
      const next = this.waiting.shift();
      next?.grant();
    };
  }
}
