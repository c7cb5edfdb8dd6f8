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

  /** Waits for a slot; `signal` aborts the wait (timeout, caller gone). */
  async admit(signal?: AbortSignal): Promise<Admission> {
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
      const entry = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.inflight++;
          resolve({ ok: true, release: this.releaser() });
        },
        reject: (code: "canceled") => resolve({ ok: false, code, message: "canceled while waiting for a free slot" }),
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        entry.reject("canceled");
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
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
