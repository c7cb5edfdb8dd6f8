/**
 * Scoped client tokens: the credentials MCP clients present on `/mcp` (and
 * that `opensentience mcp --token-name NAME` borrows the scope of). Each has a
 * name, a scope (tool patterns, see scope.ts) and is shown exactly once, at
 * creation; the catalog keeps only its SHA-256. Creating and revoking are
 * audited; a revoke ends the token's live MCP sessions at once (onRevoke).
 */
import type { Database, Statement } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import type { Actor } from "../../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";
import { parseScope, type ToolScope } from "./scope.ts";

/** Token names: what `token create NAME` takes and `token revoke NAME` finds. */
export const CLIENT_TOKEN_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Every client token starts with this, so a leaked one is recognisable (and never mistaken for the admin token). */
export const CLIENT_TOKEN_PREFIX = "osct_";
/** How often the last-use time of one token is written at most. */
const TOUCH_EVERY_MS = 15_000;
/** At most this many client tokens. */
export const MAX_CLIENT_TOKENS = 256;

export interface ClientTokenInfo {
  name: string;
  tools: string[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  /** `name/version` of the MCP client that last used it. */
  lastClient: string | null;
}

export interface CreatedClientToken extends ClientTokenInfo {
  /** The secret, shown once. */
  token: string;
}

/** What the request guard learns from a valid client token. */
export interface ClientPrincipal {
  name: string;
  scope: ToolScope;
}

interface Row {
  name: string;
  scope_json: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  last_client: string | null;
}

const hashToken = (token: string) => createHash("sha256").update(`opensentience client-token v1:${token}`).digest("hex");

function toInfo(r: Row): ClientTokenInfo {
  return { name: r.name, tools: JSON.parse(r.scope_json) as string[], createdAt: r.created_at, createdBy: r.created_by, lastUsedAt: r.last_used_at, lastClient: r.last_client };
}

export function checkTokenName(name: string): string {
  if (!CLIENT_TOKEN_NAME_PATTERN.test(name)) throw new AppError("invalid_argument", `token name '${name.slice(0, 80)}' must match ${CLIENT_TOKEN_NAME_PATTERN.source} (lowercase letters, digits, '.', '_', '-')`);
  return name;
}

export class ClientTokens {
  private readonly byHash: Statement<Row, [string]>;
  private readonly byName: Statement<Row, [string]>;
  private readonly touch: Statement<unknown, [string, string | null, string]>;
  private readonly touched = new Map<string, { at: number; client: string | null }>();
  private readonly revokeListeners = new Set<(name: string) => void>();

  constructor(private readonly deps: { sqlite: Database; audit: AuditLog; clock: Clock }) {
    const q = deps.sqlite;
    this.byHash = q.query("SELECT name, scope_json, created_at, created_by, last_used_at, last_client FROM client_tokens WHERE token_hash = ?");
    this.byName = q.query("SELECT name, scope_json, created_at, created_by, last_used_at, last_client FROM client_tokens WHERE name = ?");
    this.touch = q.query("UPDATE client_tokens SET last_used_at = ?, last_client = COALESCE(?, last_client) WHERE name = ?");
  }

  /** Creates a token; the answer holds the secret, which is never stored or shown again. */
  create(name: string, tools: string | readonly string[], opts: { actor: Actor }): CreatedClientToken {
    checkTokenName(name);
    const scope = parseScope(tools);
    const token = `${CLIENT_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const at = this.deps.clock.iso();
    const inserted = this.deps.sqlite.transaction(() => {
      if (this.byName.get(name)) return "exists";
      const n = this.deps.sqlite.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM client_tokens").get()!.n;
      if (n >= MAX_CLIENT_TOKENS) return "full";
      this.deps.sqlite
        .query("INSERT INTO client_tokens (name, token_hash, scope_json, created_at, created_by) VALUES (?, ?, ?, ?, ?)")
        .run(name, hashToken(token), JSON.stringify(scope), at, opts.actor);
      return "ok";
    })();
    if (inserted === "exists") throw new AppError("conflict", `a client token named '${name}' already exists (revoke it first: opensentience token revoke ${name})`);
    if (inserted === "full") throw new AppError("conflict", `there are already ${MAX_CLIENT_TOKENS} client tokens; revoke some first`);
    this.deps.audit.record({ actor: opts.actor, action: "client_token.create", outcome: "ok", details: { name, tools: scope } });
    return { name, tools: [...scope], createdAt: at, createdBy: opts.actor, lastUsedAt: null, lastClient: null, token };
  }

  list(): ClientTokenInfo[] {
    return this.deps.sqlite
      .query<Row, []>("SELECT name, scope_json, created_at, created_by, last_used_at, last_client FROM client_tokens ORDER BY name")
      .all()
      .map(toInfo);
  }

  get(name: string): ClientTokenInfo {
    const row = this.byName.get(name);
    if (!row) throw new AppError("not_found", `no client token named '${name.slice(0, 80)}' (see: opensentience token list)`);
    return toInfo(row);
  }

  /** Deletes the token; its MCP sessions end at once. */
  revoke(name: string, opts: { actor: Actor }): { name: string } {
    const { changes } = this.deps.sqlite.query("DELETE FROM client_tokens WHERE name = ?").run(name);
    if (changes === 0) throw new AppError("not_found", `no client token named '${name.slice(0, 80)}' (see: opensentience token list)`);
    this.touched.delete(name);
    this.deps.audit.record({ actor: opts.actor, action: "client_token.revoke", outcome: "ok", details: { name } });
    for (const l of this.revokeListeners) {
      try {
        l(name);
      } catch {
        // a listener's failure must not undo the revoke
      }
    }
    return { name };
  }

  /** The token's name and scope when `secret` is a live client token, else null. */
  verify(secret: string): ClientPrincipal | null {
    if (!secret.startsWith(CLIENT_TOKEN_PREFIX)) return null;
    const row = this.byHash.get(hashToken(secret));
    return row ? { name: row.name, scope: JSON.parse(row.scope_json) as string[] } : null;
  }

  /** Records a use (at most every few seconds per token, or when the client changes). */
  noteUse(name: string, client: string | null = null): void {
    const now = this.deps.clock.now();
    const last = this.touched.get(name);
    if (last && now - last.at < TOUCH_EVERY_MS && (client === null || client === last.client)) return;
    this.touched.set(name, { at: now, client: client ?? last?.client ?? null });
    this.touch.run(this.deps.clock.iso(), client, name);
  }

  onRevoke(fn: (name: string) => void): () => void {
    this.revokeListeners.add(fn);
    return () => this.revokeListeners.delete(fn);
  }
}
