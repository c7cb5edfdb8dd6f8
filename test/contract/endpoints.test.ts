/**
 * The contract (src/contract/endpoints.ts) and the API routes are one set:
 * every contract entry is a real route, and every route under /api/v1 is in
 * the contract (chat, which only the web UI calls, is listed apart). Routes
 * are read from the Elysia app itself, built over inert dependencies: only
 * route registration runs, no handler.
 */
import { expect, test } from "bun:test";
import type { HttpDeps } from "../../src/api/context.ts";
import { apiV1 } from "../../src/api/routes/index.ts";
import { ENDPOINTS } from "../../src/contract/endpoints.ts";

/** Chat endpoints: used by the web UI only, with their schemas in src/api/routes/chat.ts. */
const UI_ONLY = /^\/api\/v1\/chat\//;

function inert(): HttpDeps {
  const handler: ProxyHandler<object> = { get: (_t, k) => (k === Symbol.toPrimitive ? () => "" : new Proxy(() => {}, handler)), apply: () => new Proxy(() => {}, handler) };
  return new Proxy(() => {}, handler) as unknown as HttpDeps;
}

test("every contract endpoint is a route, and every API route is in the contract", () => {
  const app = apiV1(inert());
  const routes = new Set(app.routes.map((r) => `${r.method} ${r.path.replace(/\/$/, "") || "/"}`));
  const contract = new Set(Object.values(ENDPOINTS).map((e) => `${e.method} /api/v1${e.path}`));
  expect([...contract].filter((c) => !routes.has(c))).toEqual([]);
  expect([...routes].filter((r) => !contract.has(r) && !UI_ONLY.test(r.split(" ")[1]!))).toEqual([]);
});

test("no two contract entries claim the same route", () => {
  const keys = Object.values(ENDPOINTS).map((e) => `${e.method} ${e.path}`);
  expect(new Set(keys).size).toBe(keys.length);
});
