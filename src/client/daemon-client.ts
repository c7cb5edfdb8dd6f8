/**
 * Typed client of the daemon's HTTP API: one method per endpoint of the
 * contract (src/contract/endpoints.ts), every answer parsed with the
 * endpoint's schema. Finds the daemon through the daemon file, authenticates
 * with the admin token (env or file, read with the same symlink/permission
 * checks as the daemon), marks itself as the CLI (audit actor `cli`), and maps
 * every error answer back to the AppError the daemon raised.
 */
import type { z } from "zod";
import { ADMIN_TOKEN_ENV, readTokenFile } from "../api/auth/admin-token.ts";
import { ENDPOINTS, type EndpointDef, type Endpoints } from "../contract/endpoints.ts";
import { type Operation, type OperationError, OPERATION_WAIT_MAX_S } from "../contract/operations.ts";
import { CLIENT_HEADER, errorBodySchema } from "../contract/system.ts";
import type { Config } from "../core/config/load.ts";
import { AppError, type ErrorCode, isDomainErrorCode } from "../core/errors.ts";
import { readDaemonFile } from "../daemon/daemon-file.ts";
import { isSocket } from "../daemon/local-api-socket.ts";

type Def<K extends keyof Endpoints> = Endpoints[K];
type Out<S> = S extends z.ZodType ? z.output<S> : never;
type In<S> = S extends z.ZodType ? z.input<S> : never;

/** What a call of endpoint K takes: path params, query (typed by what it means), body (as sent). */
export type CallInput<K extends keyof Endpoints> = (Def<K> extends { params: z.ZodType } ? { params: Out<Def<K>["params"]> } : unknown) &
  (Def<K> extends { query: z.ZodType } ? { query?: Partial<Out<Def<K>["query"]>> } : unknown) &
  (Def<K> extends { body: z.ZodType } ? { body?: In<Def<K>["body"]> } : unknown) & { signal?: AbortSignal };

export type Answer<K extends keyof Endpoints> = Def<K> extends { response: infer R } ? Out<R> : never;
export type StreamLineOf<K extends keyof Endpoints> = Def<K> extends { stream: z.ZodType } ? Out<Def<K>["stream"]> : never;
export type OperationResultOf<K extends keyof Endpoints> = Def<K> extends { operationResult: z.ZodType } ? Out<Def<K>["operationResult"]> : never;
type OperationEndpoint = { [K in keyof Endpoints]: Endpoints[K] extends { operationResult: z.ZodType } ? K : never }[keyof Endpoints];

/** fetch() over a Unix socket: the URL still names the daemon's TCP address, which the socket's requests are handed on as. */
function overUnixSocket(path: string): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, unix: path })) as typeof fetch;
}

/** Fallback when an answer carries no recognisable error code. */
function codeForStatus(status: number): ErrorCode {
  if (status === 400) return "invalid_argument";
  if (status === 413) return "payload_too_large";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 428) return "confirmation_required";
  if (status === 429) return "rate_limited";
  if (status === 503) return "daemon_not_running";
  return "internal";
}

/** The AppError of a failed operation, with the build tail the CLI prints. */
export function operationFailure(e: OperationError): AppError {
  return new AppError(isDomainErrorCode(e.code) ? e.code : codeForStatus(e.status), e.message, { details: { status: e.status, ...(e.tail ? { tail: e.tail } : {}) } });
}

export class DaemonClient {
  constructor(
    readonly baseUrl: string,
    /** The admin token; null when the client talks over the local API socket, where reaching it is the credential. */
    private readonly token: string | null,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Connects to the daemon of this data directory; `daemon_not_running` when there is none. */
  static connect(config: Config, env: Record<string, string | undefined> = process.env): DaemonClient {
    const client = DaemonClient.tryConnect(config, env);
    if (!client) throw new AppError("daemon_not_running", `the daemon is not running for ${config.paths.home}; start it with: opensentience serve`);
    return client;
  }

  /** The client of the running daemon, or null when none runs for this data directory. */
  static tryConnect(config: Config, env: Record<string, string | undefined> = process.env): DaemonClient | null {
    const info = readDaemonFile(config.paths.daemonFile);
    if (!info) return null;
    // The local API socket when the daemon listens on one (daemon/local-api-socket.ts): no token file to read.
    if (info.socket && isSocket(info.socket)) return new DaemonClient(info.url, null, overUnixSocket(info.socket));
    return new DaemonClient(info.url, env[ADMIN_TOKEN_ENV] ?? readTokenFile(config.paths.adminToken));
  }

  // ------------------------------------------------------------- transport

  private request(def: EndpointDef, input: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal }): [URL, RequestInit] {
    const path = def.path.replace(/:(\w+)/g, (_, k: string) => {
      const v = input.params?.[k];
      if (typeof v !== "string" || v === "") throw new AppError("internal", `missing path parameter ${k} for ${def.path}`);
      return encodeURIComponent(v);
    });
    const url = new URL(`/api/v1${path}`, this.baseUrl);
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { [CLIENT_HEADER]: "cli" };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    // Every POST sends a JSON body (routes validate `{}` as "no options").
    const body = input.body !== undefined ? input.body : def.method === "GET" ? undefined : {};
    if (body !== undefined) headers["content-type"] = "application/json";
    return [url, { method: def.method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: "manual", signal: input.signal ?? null }];
  }

  private async send(def: EndpointDef, input: Parameters<DaemonClient["request"]>[1]): Promise<Response> {
    try {
      return await this.fetchImpl(...this.request(def, input));
    } catch (e) {
      if (input.signal?.aborted) throw new AppError("canceled", "canceled");
      throw new AppError("daemon_not_running", `the daemon at ${this.baseUrl} is not responding (${(e as Error).message}); is it still starting or did it crash?`, { cause: e });
    }
  }

  /** The AppError for a non-2xx answer: the daemon's own code when it sent one. */
  private errorFrom(status: number, json: unknown): AppError {
    const parsed = errorBodySchema.safeParse(json);
    const code = parsed.success && isDomainErrorCode(parsed.data.error.code) ? parsed.data.error.code : codeForStatus(status);
    const message = parsed.success ? parsed.data.error.message : `daemon answered HTTP ${status}`;
    const hint = status === 401 ? ` (if the daemon was started with ${ADMIN_TOKEN_ENV}, set it here too)` : "";
    return new AppError(code, `${message}${hint}`, { details: { status } });
  }

  /** Calls endpoint `name` and parses its JSON answer with the contract's schema. */
  async call<K extends keyof Endpoints>(name: K, input: CallInput<K>): Promise<Answer<K>> {
    const def: EndpointDef = ENDPOINTS[name];
    const res = await this.send(def, input as Parameters<DaemonClient["request"]>[1]);
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) throw this.errorFrom(res.status, json);
    const parsed = (def.response as z.ZodType<Answer<K>>).safeParse(json);
    if (!parsed.success) throw new AppError("internal", `unexpected answer from the daemon for ${def.method} ${def.path}: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /**
   * Opens an NDJSON answer (log follow, streamed tool call, operation progress)
   * and yields each line parsed with the endpoint's line schema. Aborting
   * `signal` closes the connection, which the daemon treats as the caller
   * going away (a streamed call is cancelled).
   */
  async *stream<K extends keyof Endpoints>(name: K, input: CallInput<K>): AsyncGenerator<StreamLineOf<K>> {
    const def: EndpointDef = ENDPOINTS[name];
    yield* this.lines(def, def.stream as z.ZodType<StreamLineOf<K>>, input as Parameters<DaemonClient["request"]>[1]);
  }

  private async *lines<L>(def: EndpointDef, schema: z.ZodType<L>, input: Parameters<DaemonClient["request"]>[1]): AsyncGenerator<L> {
    let res: Response;
    try {
      res = await this.send(def, input);
    } catch (e) {
      if (input.signal?.aborted) return;
      throw e;
    }
    if (!res.ok || !res.body) throw this.errorFrom(res.status, await res.json().catch(() => null));
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (input.signal?.aborted) return;
        throw new AppError("daemon_not_running", `lost the connection to the daemon (${(e as Error).message})`, { cause: e });
      }
      if (chunk.done) return;
      buf += dec.decode(chunk.value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const parsed = schema.safeParse(JSON.parse(line));
        if (!parsed.success) throw new AppError("internal", `unexpected line from the daemon on ${def.path}`);
        yield parsed.data;
      }
    }
  }

  /**
   * Follows a started operation to its end: streams its progress to
   * `onProgress` and returns its result (parsed with the endpoint's result
   * schema), or throws its error as the AppError a direct call would have
   * thrown. When the progress stream breaks, it falls back to polling.
   */
  async finish<K extends OperationEndpoint>(name: K, started: Operation, onProgress?: (p: { step: string; message: string }) => void, signal?: AbortSignal): Promise<OperationResultOf<K>> {
    let op = started;
    try {
      for await (const ev of this.stream("operationEvents", { params: { id: op.id }, ...(signal ? { signal } : {}) })) {
        if (ev.type === "progress") onProgress?.(ev);
        else if (ev.type === "end") op = ev.operation;
      }
    } catch (e) {
      if (signal?.aborted) throw new AppError("canceled", "canceled");
      if ((e as AppError).code !== "daemon_not_running") throw e;
    }
    while (op.status === "running") {
      if (signal?.aborted) throw new AppError("canceled", "canceled");
      op = await this.call("getOperation", { params: { id: op.id }, query: { wait: OPERATION_WAIT_MAX_S - 5 }, ...(signal ? { signal } : {}) });
    }
    if (op.status === "failed") throw operationFailure(op.error ?? { code: "internal", message: "the operation failed", status: 500 });
    const def: EndpointDef = ENDPOINTS[name];
    const parsed = (def.operationResult as z.ZodType<OperationResultOf<K>>).safeParse(op.result);
    if (!parsed.success) throw new AppError("internal", `unexpected operation result from the daemon for ${def.path}`);
    return parsed.data;
  }

  // ------------------------------------------------- one method per endpoint

  health = () => this.call("health", {});
  version = () => this.call("version", {});
  whoami = () => this.call("whoami", {});
  rotateToken = () => this.call("rotateToken", {});

  listAgents = (query: CallInput<"listAgents">["query"] = {}) => this.call("listAgents", { query });
  getAgent = (id: string) => this.call("getAgent", { params: { id } });
  /** The full agent id a short name stands for (unique last id segment or name). */
  resolveAgent = (name: string) => this.call("resolveAgent", { params: { id: name } });
  audit = (query: CallInput<"audit">["query"] = {}) => this.call("audit", { query });
  auditVerify = (query: CallInput<"auditVerify">["query"] = {}) => this.call("auditVerify", { query });
  auditExport = (query: CallInput<"auditExport">["query"] = {}) => this.stream("auditExport", { query });
  runDiscovery = (paths?: string[]) => this.call("runDiscovery", { body: paths?.length ? { paths } : {} });

  runtime = () => this.call("runtime", {});
  agentStatus = (id: string) => this.call("agentStatus", { params: { id } });
  agentSandbox = (id: string) => this.call("agentSandbox", { params: { id } });
  agentTrust = (id: string) => this.call("agentTrust", { params: { id } });
  agentTestPlan = (id: string, query: CallInput<"agentTestPlan">["query"] = {}) => this.call("agentTestPlan", { params: { id }, query });
  testAgent = (id: string, body: CallInput<"testAgent">["body"]) => this.call("testAgent", { params: { id }, body });
  stats = (agent?: string) => this.call("stats", { query: agent ? { agent } : {} });
  /** The Prometheus text of GET /api/v1/metrics. */
  metrics = async (): Promise<string> => {
    const res = await this.send(ENDPOINTS.metrics, {});
    const text = await res.text();
    if (!res.ok) throw this.errorFrom(res.status, (() => { try { return JSON.parse(text) as unknown; } catch { return null; } })());
    return text;
  };
  runAgent = (id: string, opts: { autostart?: boolean } = {}) => this.call("runAgent", { params: { id }, body: opts });
  stopAgent = (id: string) => this.call("stopAgent", { params: { id } });
  restartAgent = (id: string) => this.call("restartAgent", { params: { id } });
  agentLogs = (id: string, tail: number) => this.call("agentLogs", { params: { id }, query: { tail } });
  followAgentLogs = (id: string, tail: number, signal: AbortSignal) => this.stream("agentLogs", { params: { id }, query: { tail, follow: "1" }, signal });

  listTools = (agent?: string) => this.call("listTools", { query: { agent } });
  callTool = (body: CallInput<"callTool">["body"]) => this.call("callTool", { body });
  callToolStreamed = (body: NonNullable<CallInput<"callTool">["body"]>, signal: AbortSignal) => this.stream("callTool", { body: { ...body, stream: true }, signal });
  toolEvents = (signal: AbortSignal) => this.stream("toolEvents", { signal });
  mcpTools = (tokenName?: string) => this.call("mcpTools", { query: { token_name: tokenName } });

  listClientTokens = () => this.call("listClientTokens", {});
  createClientToken = (name: string, tools: string[]) => this.call("createClientToken", { body: { name, tools } });
  revokeClientToken = (name: string) => this.call("revokeClientToken", { params: { name } });

  listRegistries = () => this.call("listRegistries", {});
  getRegistry = (name: string) => this.call("getRegistry", { params: { name } });
  addRegistry = (body: NonNullable<CallInput<"addRegistry">["body"]>) => this.call("addRegistry", { body });
  removeRegistry = (name: string) => this.call("removeRegistry", { params: { name } });
  syncRegistry = (name: string, force: boolean) => this.call("syncRegistry", { params: { name }, body: { force } });
  syncAllRegistries = (force: boolean) => this.call("syncAllRegistries", { body: { force } });

  installPlan = (id: string, query: CallInput<"installPlan">["query"] = {}) => this.call("installPlan", { params: { id }, query });
  install = (id: string, body: NonNullable<CallInput<"install">["body"]>) => this.call("install", { params: { id }, body });
  updatePlan = (id: string) => this.call("updatePlan", { params: { id } });
  update = (id: string, body: NonNullable<CallInput<"update">["body"]>) => this.call("update", { params: { id }, body });
  approvals = (id: string) => this.call("approvals", { params: { id } });
  enable = (id: string, body: CallInput<"enable">["body"]) => this.call("enable", { params: { id }, body });
  disable = (id: string) => this.call("disable", { params: { id } });
  revoke = (id: string, permission: string) => this.call("revoke", { params: { id }, body: { permission } });
  uninstallPlan = (id: string) => this.call("uninstallPlan", { params: { id } });
  uninstall = (id: string) => this.call("uninstall", { params: { id }, body: { confirm: true } });

  listOperations = () => this.call("listOperations", {});
  getOperation = (id: string, waitS?: number) => this.call("getOperation", { params: { id }, query: { wait: waitS } });
  operationEvents = (id: string, signal?: AbortSignal) => this.stream("operationEvents", { params: { id }, ...(signal ? { signal } : {}) });
}
