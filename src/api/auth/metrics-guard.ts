/**
 * Who may read metrics (`/metrics` and `/api/v1/metrics`), after the Host,
 * method and Origin checks every request gets: the admin token, or a client
 * token whose scope includes `metrics` (`opensentience token create prom
 * --metrics`: read-only, it can call no tool), as an Authorization bearer
 * header. Never anonymous. Failures share the bearer failure limiter.
 */
import type { HttpDeps, RequestInfo } from "../context.ts";
import { reject } from "../errors.ts";
import { METRICS_SCOPE } from "../../core/client-tokens/scope.ts";

/** The bearer header grammar of request-guard.ts. */
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;
const HOW = "send the admin token or a metrics client token (opensentience token create NAME --metrics) as an Authorization bearer header";
const CHALLENGE = { "www-authenticate": 'Bearer realm="opensentience-metrics"' };

/**
 * A refusal, what the handler may know about the caller, or null to go on
 * with the usual checks (`/api/v1/metrics` without a bearer header: a browser session).
 */
export function guardMetrics(req: Request, deps: HttpDeps, origin: string, root: boolean): Response | RequestInfo | null {
  const authorization = req.headers.get("authorization");
  if (authorization === null) return root ? reject("unauthorized", `authentication required: ${HOW}`, CHALLENGE) : null;
  const wait = deps.bearerLimiter.retryAfterSeconds();
  if (wait > 0) return reject("rate_limited", `too many failed authentication attempts; retry in ${wait} s`, { "retry-after": String(wait) });
  const m = BEARER.exec(authorization);
  if (m && deps.token.verify(m[1]!)) return { principal: { kind: "bearer", actor: "api" }, origin };
  const client = m ? deps.services.clientTokens.verify(m[1]!) : null;
  if (client && client.scope.includes(METRICS_SCOPE)) {
    deps.services.clientTokens.noteUse(client.name);
    return { principal: { kind: "client", client }, origin };
  }
  if (client) return reject("forbidden", `client token '${client.name}' has no metrics scope (create one with: opensentience token create NAME --metrics)`);
  deps.bearerLimiter.fail();
  return reject("unauthorized", `invalid token: ${HOW}`, CHALLENGE);
}
