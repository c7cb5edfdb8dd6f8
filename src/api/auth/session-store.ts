/**
 * Browser sessions, kept in the catalog (`web_sessions`, migration 0003) so a
 * daemon restart (upgrade, reboot, service restart) logs nobody out.
 *
 * - The cookie carries a random id; only its SHA-256 is stored, so neither a
 *   copy of the catalog nor a timing side channel on the lookup yields a
 *   usable cookie value. Each session has its own CSRF token.
 * - Each row holds the fingerprint of the admin token it was created under
 *   (AdminToken.fingerprint). A session is valid only while that token is
 *   still the token, so every way the token can change ends every session:
 *   rotation through the daemon, a rotation of the file while the daemon was
 *   down, or a start with another OPENSENTIENCE_ADMIN_TOKEN.
 * - Fixed TTL from creation; at most `maxSessions` rows (oldest evicted);
 *   expired and foreign-token rows are pruned at start and on every login.
 *
 * Ownership: the daemon's one catalog connection, one SessionStore per daemon
 * (the only writer of the table). `get` runs for every UI request, so it is a
 * single prepared primary-key SELECT; it writes only to drop a dead row.
 */
import type { Database, Statement } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";

export interface Session {
  /** Random per-session value forms and fetch calls must echo back. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStoreOptions {
  /** The daemon's catalog connection (already migrated). */
  sqlite: Database;
  clock: Clock;
  ttlMs: number;
  /** Fingerprint of the admin token in force now; read on every check, so a rotation applies at once. */
  tokenFingerprint: () => string;
  /** Bound on stored sessions; the oldest is evicted first. */
  maxSessions?: number;
}

/** What `create` puts in the cookie: 32 random bytes as hex. Anything else is never looked up. */
const sessionIdSchema = z.string().regex(/^[0-9a-f]{64}$/);

const digest = (id: string) => createHash("sha256").update(id).digest("hex");

interface Row extends Session {
  tokenFingerprint: string;
}

export class SessionStore {
  private readonly max: number;
  private readonly selectOne: Statement<Row, [string]>;
  private readonly insertOne: Statement<unknown, [string, string, string, number, number]>;
  private readonly deleteOne: Statement<unknown, [string]>;
  private readonly deleteDead: Statement<unknown, [number, string]>;
  private readonly deleteOldest: Statement<unknown, [number]>;
  private readonly countAll: Statement<{ n: number }, []>;
  private readonly countLive: Statement<{ n: number }, [number]>;
  private readonly deleteAll: Statement<unknown, []>;
  private readonly createTx: (idHash: string, csrf: string, now: number) => void;
  private readonly clearTx: (now: number) => number;

  constructor(private readonly opts: SessionStoreOptions) {
    this.max = Math.max(1, opts.maxSessions ?? 256);
    const db = opts.sqlite;
    this.selectOne = db.query(
      "SELECT csrf, token_fingerprint AS tokenFingerprint, created_at AS createdAt, expires_at AS expiresAt FROM web_sessions WHERE id_hash = ?",
    );
    this.insertOne = db.query("INSERT INTO web_sessions (id_hash, csrf, token_fingerprint, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    this.deleteOne = db.query("DELETE FROM web_sessions WHERE id_hash = ?");
    this.deleteDead = db.query("DELETE FROM web_sessions WHERE expires_at <= ? OR token_fingerprint <> ?");
    // rowid breaks ties between sessions created in the same millisecond (insertion order).
    this.deleteOldest = db.query("DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions ORDER BY created_at, rowid LIMIT ?)");
    this.countAll = db.query("SELECT count(*) AS n FROM web_sessions");
    this.countLive = db.query("SELECT count(*) AS n FROM web_sessions WHERE expires_at > ?");
    this.deleteAll = db.query("DELETE FROM web_sessions");
    this.createTx = db.transaction((idHash: string, csrf: string, now: number) => {
      const fingerprint = this.opts.tokenFingerprint();
      this.deleteDead.run(now, fingerprint);
      const excess = (this.countAll.get()?.n ?? 0) - this.max + 1;
      if (excess > 0) this.deleteOldest.run(excess);
      this.insertOne.run(idHash, csrf, fingerprint, now, now + this.opts.ttlMs);
    });
    this.clearTx = db.transaction((now: number) => {
      const live = this.countLive.get(now)?.n ?? 0;
      this.deleteAll.run();
      return live;
    });
    // Sessions of a token that changed while the daemon was down can never be valid again.
    this.deleteDead.run(opts.clock.now(), opts.tokenFingerprint());
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** Creates a session under the current token and returns the cookie value (shown once, stored only as a digest). */
  create(): { id: string; session: Session } {
    const now = this.opts.clock.now();
    const id = randomBytes(32).toString("hex");
    const session: Session = { csrf: randomBytes(32).toString("hex"), createdAt: now, expiresAt: now + this.opts.ttlMs };
    this.createTx(digest(id), session.csrf, now);
    return { id, session };
  }

  /** The live session for a cookie value, or null (malformed, unknown, expired, or created under another admin token). */
  get(id: string | undefined): Session | null {
    if (!sessionIdSchema.safeParse(id).success) return null;
    const key = digest(id!);
    const row = this.selectOne.get(key);
    if (!row) return null;
    if (row.expiresAt <= this.opts.clock.now() || row.tokenFingerprint !== this.opts.tokenFingerprint()) {
      this.deleteOne.run(key);
      return null;
    }
    return { csrf: row.csrf, createdAt: row.createdAt, expiresAt: row.expiresAt };
  }

  /** Ends one session (logout); true when it existed. */
  destroy(id: string | undefined): boolean {
    if (!sessionIdSchema.safeParse(id).success) return false;
    return this.deleteOne.run(digest(id!)).changes > 0;
  }

  /** Ends every session (token rotation); returns how many had not expired yet. */
  clear(): number {
    return this.clearTx(this.opts.clock.now());
  }

  /** Stored rows, live or not yet pruned. */
  get size(): number {
    return this.countAll.get()?.n ?? 0;
  }
}
