/**
 * Browser sessions, in memory only: a daemon restart logs everyone out, which
 * is the safe default. The cookie carries a random id; the store keys sessions
 * by its SHA-256 so a memory dump or a timing side channel on the map lookup
 * never yields a usable cookie value. Each session has its own CSRF token.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.ts";

export interface Session {
  /** Random per-session value forms and fetch calls must echo back. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
  /** Admin-token generation the session was created under (see AdminToken.rotate). */
  tokenGeneration: number;
}

export interface SessionStoreOptions {
  clock: Clock;
  ttlMs: number;
  /** Bound on live sessions; the oldest is evicted first. */
  maxSessions?: number;
}

const digest = (id: string) => createHash("sha256").update(id).digest("hex");

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly max: number;

  constructor(private readonly opts: SessionStoreOptions) {
    this.max = opts.maxSessions ?? 256;
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** Creates a session and returns the cookie value (shown once, stored only as a digest). */
  create(tokenGeneration: number): { id: string; session: Session } {
    this.prune();
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const now = this.opts.clock.now();
    const id = randomBytes(32).toString("hex");
    const session: Session = { csrf: randomBytes(32).toString("hex"), createdAt: now, expiresAt: now + this.opts.ttlMs, tokenGeneration };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session for a cookie value, or null (unknown, expired, or from before a token rotation). */
  get(id: string | undefined, tokenGeneration: number): Session | null {
    if (!id || id.length > 128) return null;
    const key = digest(id);
    const s = this.sessions.get(key);
    if (!s) return null;
    if (s.expiresAt <= this.opts.clock.now() || s.tokenGeneration !== tokenGeneration) {
      this.sessions.delete(key);
      return null;
    }
    return s;
  }

  destroy(id: string | undefined): boolean {
    return !!id && this.sessions.delete(digest(id));
  }

  /** Ends every session (token rotation); returns how many were live. */
  clear(): number {
    this.prune();
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(): void {
    const now = this.opts.clock.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
  }
}
