/**
 * Headers on every response the daemon sends (pages, API, assets, errors,
 * rejections). No CORS header is ever sent: the API is same-origin only.
 */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Content-hashed assets never change under the same name. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/**
 * Final pass over a response: security headers win over anything a handler
 * set, CORS headers are removed, and everything but hashed assets is no-store.
 */
export function secureResponse(res: Response): Response {
  let out = res;
  try {
    applyHeaders(out.headers);
  } catch {
    // Immutable headers (e.g. a Response from fetch): copy into a fresh one.
    out = new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
    applyHeaders(out.headers);
  }
  return out;
}

function applyHeaders(h: Headers): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) h.set(k, v);
  const cors: string[] = [];
  h.forEach((_v, k) => {
    if (k.toLowerCase().startsWith("access-control-")) cors.push(k);
  });
  for (const k of cors) h.delete(k);
  if (h.get("cache-control") !== IMMUTABLE_CACHE) h.set("cache-control", "no-store");
}
