/**
 * Where to go after logging in: the page a logged-out visitor asked for,
 * carried as `?next=` through the login form. Only a same-origin relative
 * path is accepted (never `//host`, `/\host`, a scheme, control characters
 * or the login page itself), so the parameter cannot become an open redirect.
 */
const MAX_NEXT = 2048;
const BASE = "http://opensentience.invalid";

export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || next.length > MAX_NEXT) return null;
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return null;
  if (/[\x00-\x20\x7f]/.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  if (url.pathname === "/login" || url.pathname === "/logout") return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The login page's address for a request that needs a session: GETs keep their path, anything else starts over. */
export function loginLocation(method: string, pathAndQuery: string): string {
  const next = method === "GET" ? safeNextPath(pathAndQuery) : null;
  return next && next !== "/" && next !== "/agents" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}
