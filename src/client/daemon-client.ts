/**
 * Typed client of the daemon's HTTP API, for CLI commands that need the
 * running daemon. Finds it through the daemon file, authenticates with the
 * admin token (env or file, read with the same symlink/permission checks as
 * the daemon), marks itself as the CLI, and maps HTTP errors back to AppError.
 */
import { z } from "zod";
import type { AuditEvent } from "../core/audit/audit-log.ts";
import type { AgentDetail } from "../core/catalog/types.ts";
import type { Config } from "../core/config/load.ts";
import type { DiscoveryReport } from "../core/discovery/discovery.ts";
import { AppError, ERROR_CODES, type ErrorCode } from "../core/errors.ts";
import type { SearchPage } from "../core/search/search.ts";
import { ADMIN_TOKEN_ENV, readTokenFile } from "../api/auth/admin-token.ts";
import { readDaemonFile } from "../daemon/daemon-file.ts";

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const healthSchema = z.object({ status: z.literal("ok"), version: z.string(), pid: z.number(), started_at: z.string() });
const rotateSchema = z.object({ rotated: z.literal(true), sessions_revoked: z.number().int().min(0) });
const searchPageSchema = z.looseObject({ total: z.number(), limit: z.number(), offset: z.number(), agents: z.array(z.looseObject({ key: z.string() })) });
const auditPageSchema = z.object({ events: z.array(z.looseObject({ id: z.number(), action: z.string() })), next_before: z.number().nullable() });
const detailSchema = z.looseObject({ key: z.string(), manifest: z.unknown() });
const discoverySchema = z.looseObject({ roots: z.array(z.string()), found: z.number() });

/** Fallback when a response carries no recognisable error code. */
function codeForStatus(status: number): ErrorCode {
  if (status === 400) return "invalid_argument";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  return "internal";
}

export type Query = Record<string, string | number | undefined>;

export interface AgentFilterQuery extends Query {
  q?: string;
  capability?: string;
  integration?: string;
  status?: string;
  verification?: string;
  "min-trust"?: number;
  source?: "local" | "remote";
  limit?: number;
  offset?: number;
}

export class DaemonClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Connects to the daemon of this data directory; `daemon_not_running` when there is none. */
  static connect(config: Config, env: Record<string, string | undefined> = process.env): DaemonClient {
    const info = readDaemonFile(config.paths.daemonFile);
    if (!info) throw new AppError("daemon_not_running", `the daemon is not running for ${config.paths.home}; start it with: opensentience serve`);
    const token = env[ADMIN_TOKEN_ENV] ?? readTokenFile(config.paths.adminToken);
    return new DaemonClient(info.url, token);
  }

  private init(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal }): [URL, RequestInit] {
    const url = new URL(`/api/v1${path}`, this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, "x-opensentience-client": "cli" };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    return [url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: "manual", signal: opts.signal ?? null }];
  }

  /** The AppError for a non-2xx answer: the daemon's own code when it sent one. */
  private errorFrom(status: number, json: unknown): AppError {
    const parsed = errorBodySchema.safeParse(json);
    const code = parsed.success && (ERROR_CODES as readonly string[]).includes(parsed.data.error.code) ? (parsed.data.error.code as ErrorCode) : codeForStatus(status);
    const message = parsed.success ? parsed.data.error.message : `daemon answered HTTP ${status}`;
    const hint = status === 401 ? ` (if the daemon was started with ${ADMIN_TOKEN_ENV}, set it here too)` : "";
    return new AppError(code, `${message}${hint}`, { details: { status } });
  }

  async request<T>(method: "GET" | "POST", path: string, schema: z.ZodType<T>, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(...this.init(method, path, opts));
    } catch (e) {
      throw new AppError("daemon_not_running", `the daemon at ${this.baseUrl} is not responding (${(e as Error).message}); is it still starting or did it crash?`, { cause: e });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) throw this.errorFrom(res.status, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AppError("internal", `unexpected response from the daemon for ${method} ${path}`);
    return parsed.data;
  }

  health() {
    return this.request("GET", "/health", healthSchema);
  }

  async agents(query: AgentFilterQuery = {}): Promise<SearchPage> {
    return (await this.request("GET", "/agents", searchPageSchema, { query })) as unknown as SearchPage;
  }

  async agent(idOrKey: string): Promise<AgentDetail> {
    return (await this.request("GET", `/agents/${encodeURIComponent(idOrKey)}`, detailSchema)) as unknown as AgentDetail;
  }

  async audit(query: { agent?: string; action?: string; since?: string; correlation?: string; before?: number; limit?: number } = {}): Promise<{ events: AuditEvent[]; next_before: number | null }> {
    return (await this.request("GET", "/audit", auditPageSchema, { query })) as unknown as { events: AuditEvent[]; next_before: number | null };
  }

  async runDiscovery(paths?: string[]): Promise<DiscoveryReport> {
    return (await this.request("POST", "/discovery/run", discoverySchema, { body: paths?.length ? { paths } : {} })) as unknown as DiscoveryReport;
  }

  /**
   * Opens an NDJSON stream (log follow, streamed tool calls) and yields each
   * line as parsed JSON. Aborting `signal` closes the connection, which the
   * daemon treats as the caller going away (a streamed call is cancelled).
   */
  async *stream(method: "GET" | "POST", path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): AsyncGenerator<unknown> {
    let res: Response;
    try {
      res = await this.fetchImpl(...this.init(method, path, opts));
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw new AppError("daemon_not_running", `the daemon at ${this.baseUrl} is not responding (${(e as Error).message})`, { cause: e });
    }
    if (!res.ok || !res.body) throw this.errorFrom(res.status, await res.json().catch(() => null));
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line);
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw new AppError("daemon_not_running", `lost the connection to the daemon (${(e as Error).message})`, { cause: e });
    }
  }

  rotateToken() {
    return this.request("POST", "/auth/rotate-token", rotateSchema, { body: {} });
  }
}
