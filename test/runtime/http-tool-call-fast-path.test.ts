/**
 * The tool-call fast path (src/api/tool-call-fast-path.ts) answers exactly
 * like the generic Elysia route: same status, same JSON error code and
 * message, same security headers, for every refusal and for real calls to the
 * real Elixir echo agent (each call still audited). The generic route is
 * reached with a query string (`?generic`), which the fast path never takes.
 * Served by the daemon's real handler over a real socket (Bun.serve).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createHttpHandler } from "../../src/api/app.tsx";
import { AdminToken } from "../../src/api/auth/admin-token.ts";
import { FailureLimiter } from "../../src/api/auth/failure-limiter.ts";
import { SessionStore } from "../../src/api/auth/session-store.ts";
import type { HttpDeps } from "../../src/api/context.ts";
import { SECURITY_HEADERS } from "../../src/api/security/headers.ts";
import { ChatService } from "../../src/core/chat/chat-service.ts";
import { McpHttpSessions } from "../../src/mcp/http-sessions.ts";
import { buildExample } from "../helpers/elixir-build.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { runtimeEnv, type RuntimeEnv } from "../helpers/runtime-env.ts";

const ECHO = "com.opensentience.examples.echo";
const TOKEN = randomBytes(24).toString("hex");
const MAX_BYTES = 8192;
let env: RuntimeEnv;
let server: ReturnType<typeof Bun.serve>;
let base: string;
const warnings: string[] = [];

beforeAll(async () => {
  env = await runtimeEnv({}, { sandbox: "off" });
  const echo = await buildExample("echo", env.home);
  env.installAgent({ id: ECHO, path: echo.dir, manifest: echo.manifest, approve: [] });
  await env.runtime.run(ECHO, "cli");
  const s = env.services;
  const deps: HttpDeps = {
    services: s,
    runtime: env.runtime,
    chat: new ChatService(s, env.runtime),
    mcp: new McpHttpSessions({ runtime: env.runtime, events: s.events, clientTokens: s.clientTokens }),
    token: AdminToken.load(join(env.home, "admin.token"), { OPENSENTIENCE_ADMIN_TOKEN: TOKEN }),
    sessions: new SessionStore({ sqlite: s.store.sqlite, clock: s.clock, ttlMs: 3_600_000, tokenFingerprint: () => "x" }),
    loginLimiter: new FailureLimiter({ clock: s.clock, maxFailures: 10, windowMs: 60_000 }),
    bearerLimiter: new FailureLimiter({ clock: s.clock, maxFailures: 1000, windowMs: 60_000 }),
    address: { port: 0, extraHosts: [] },
    secret: randomBytes(32),
    log: { info: () => {}, warn: (m) => warnings.push(m) },
    startedAt: s.clock.iso(),
  };
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createHttpHandler(deps, { maxBytes: MAX_BYTES, maxDepth: 20 }) });
  deps.address.port = server.port!;
  base = `http://127.0.0.1:${server.port}`;
}, 180_000);

afterAll(async () => {
  server?.stop(true);
  await env?.close();
});

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
}

const HEADER_NAMES = ["content-type", "cache-control", ...Object.keys(SECURITY_HEADERS)];

async function post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const r = await fetch(base + path, { method: "POST", headers, body });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: r.status, body: parsed, headers: Object.fromEntries(HEADER_NAMES.map((h) => [h, r.headers.get(h)])) };
}

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/** Same request to the fast path and to the generic route; both answers. */
async function both(body: string, headers: Record<string, string> = auth): Promise<[Answer, Answer]> {
  return [await post("/api/v1/tools/call", body, headers), await post("/api/v1/tools/call?generic", body, headers)];
}

/** request_id and duration differ per call; everything else must match. */
function stable(a: Answer): Answer {
  const b = a.body as Record<string, unknown>;
  if (b && typeof b === "object" && "request_id" in b) return { ...a, body: { ...b, request_id: typeof b.request_id, duration_ms: typeof b.duration_ms } };
  return a;
}

describe("POST /api/v1/tools/call fast path", () => {
  test("a real call: same answer as the generic route, and audited as one tool.call each", async () => {
    const before = env.services.audit.query({ action: "tool.call", limit: 1000 }).length;
    const [fast, generic] = await both(JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "héllo" } }));
    expect(fast.status).toBe(200);
    expect(fast.body).toMatchObject({ output: { text: "héllo" } });
    expect(stable(fast)).toEqual(stable(generic));
    expect(fast.headers["content-type"]).toStartWith("application/json");
    const rows = env.services.audit.query({ action: "tool.call", limit: 1000 });
    expect(rows.length - before).toBe(2);
    const mine = rows.find((r) => r.requestId === (fast.body as { request_id: string }).request_id);
    expect(mine).toMatchObject({ actor: "api", outcome: "ok", agentId: ECHO });
  });

  const refusals: Array<[string, string, Record<string, string>, number, string]> = [
    ["wrong token", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" } }), { ...auth, authorization: "Bearer nope-nope-nope" }, 401, "unauthorized"],
    ["no token", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" } }), { "content-type": "application/json" }, 401, "unauthorized"],
    ["foreign Origin", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" } }), { ...auth, origin: "http://evil.example" }, 403, "forbidden"],
    ["body over the size limit", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x".repeat(MAX_BYTES) } }), auth, 413, "payload_too_large"],
    ["body nested past the depth limit", `{"tool":"${ECHO}/echo","arguments":{"text":${"[".repeat(40)}${"]".repeat(40)}}}`, auth, 400, "invalid_argument"],
    ["not JSON", "{nope", auth, 400, "invalid_argument"],
    ["unknown field", JSON.stringify({ tool: `${ECHO}/echo`, arguments: {}, extra: 1 }), auth, 400, "invalid_argument"],
    ["not a JSON content type", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" } }), { ...auth, "content-type": "text/plain" }, 400, "invalid_argument"],
    ["arguments against the input schema", JSON.stringify({ tool: `${ECHO}/echo`, arguments: { nope: 1 } }), auth, 400, "invalid_argument"],
    ["unknown tool", JSON.stringify({ tool: `${ECHO}/nope`, arguments: {} }), auth, 404, "unknown_tool"],
    ["unapproved permission", JSON.stringify({ tool: `${ECHO}/read_secret`, arguments: {} }), auth, 403, "permission_denied"],
  ];
  for (const [name, body, headers, status, code] of refusals) {
    test(`${name}: ${status}${code ? ` ${code}` : ""}, same as the generic route`, async () => {
      const [fast, generic] = await both(body, headers);
      expect(fast.status).toBe(status);
      if (code) expect((fast.body as { error: { code: string } }).error.code).toBe(code);
      expect(stable(fast)).toEqual(stable(generic));
    });
  }

  test("a foreign Host is refused before anything is read, like any other route", async () => {
    const body = JSON.stringify({ tool: `${ECHO}/echo`, arguments: { text: "x" } });
    const head = (path: string) => [`POST ${path} HTTP/1.1`, `Host: evil.example:${server.port}`, `Authorization: Bearer ${TOKEN}`, "Content-Type: application/json"];
    const fast = await rawRequest(server.port!, head("/api/v1/tools/call"), body);
    const generic = await rawRequest(server.port!, head("/api/v1/tools/call?generic"), body);
    expect(fast.status).toBe(403);
    expect(JSON.parse(fast.body).error.code).toBe("forbidden");
    expect(fast.body).toBe(generic.body);
  });

  test("refusals and errors are audited like the generic route's (denied calls too)", async () => {
    const before = env.services.audit.query({ action: "tool.call", limit: 1000 }).length;
    await post("/api/v1/tools/call", JSON.stringify({ tool: `${ECHO}/read_secret`, arguments: {} }), auth);
    const rows = env.services.audit.query({ action: "tool.call", limit: 1000 });
    expect(rows.length - before).toBe(1);
    expect(rows[0]).toMatchObject({ outcome: "denied" });
    expect(warnings).toEqual([]);
  });
});
