/**
 * Counts failed authentication attempts in a fixed window. Once `maxFailures`
 * is reached every attempt is refused (even a correct one) until the window
 * ends, so guessing is bounded no matter how the requests are spread.
 * All clients are local, so one counter per daemon is the right scope.
 */
import type { Clock } from "../../core/clock.ts";

export interface FailureLimiterOptions {
  clock: Clock;
  maxFailures: number;
  windowMs: number;
}

export class FailureLimiter {
  private windowStart = 0;
  private failures = 0;

  constructor(private readonly opts: FailureLimiterOptions) {}

  /** Seconds until attempts are accepted again, or 0 when not limited. */
  retryAfterSeconds(): number {
    this.roll();
    if (this.failures < this.opts.maxFailures) return 0;
    return Math.max(1, Math.ceil((this.windowStart + this.opts.windowMs - this.opts.clock.now()) / 1000));
  }

  /** Records a failure; returns true when this one reached the limit (worth one audit entry). */
  fail(): boolean {
    this.roll();
    this.failures++;
    return this.failures === this.opts.maxFailures;
  }

  private roll(): void {
    const now = this.opts.clock.now();
    if (now - this.windowStart >= this.opts.windowMs) {
      this.windowStart = now;
      this.failures = 0;
    }
  }
}
