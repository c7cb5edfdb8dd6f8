/**
 * DNS-rebinding and cross-origin defences as pure functions.
 *
 * A rebinding attack points a hostile name at 127.0.0.1, so the request
 * arrives on our socket with `Host: evil.example:6767`. Only names that can
 * never be re-pointed are accepted: the loopback literals, `localhost` and
 * `*.localhost` (browsers resolve those to loopback themselves, RFC 6761),
 * always with our exact port.
 */

export interface ServerAddress {
  /** The port actually bound (resolved after `--port 0`). */
  port: number;
  /** Extra exact host names, only for `--allow-remote` on a specific address. */
  extraHosts: readonly string[];
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function allowedName(name: string, extra: readonly string[]): boolean {
  if (name === "127.0.0.1" || name === "[::1]" || name === "localhost") return true;
  if (name.endsWith(".localhost")) {
    const labels = name.slice(0, -".localhost".length).split(".");
    return labels.length > 0 && labels.length <= 8 && labels.every((l) => LABEL.test(l));
  }
  return extra.includes(name);
}

/** Splits `name:port` / `[v6]:port`; null when malformed. */
function splitHost(host: string): { name: string; port: string | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
  return m ? { name: m[1]!, port: m[2] ?? null } : null;
}

/** True when `hostHeader` names this server: an allowed name AND our exact port. */
export function isAllowedHost(hostHeader: string | null, addr: ServerAddress): boolean {
  if (!hostHeader || hostHeader.length > 255) return false;
  const parts = splitHost(hostHeader.toLowerCase());
  if (!parts || !allowedName(parts.name, addr.extraHosts)) return false;
  // Browsers omit the default port, so a bare name is only ours when we are on 80.
  const port = parts.port === null ? 80 : Number(parts.port);
  return port === addr.port && (parts.port === null || parts.port === String(port));
}

/**
 * The admin UI's own loopback name, used in the login links we print. Cookies
 * are scoped by host name, not by port: a session cookie set for `127.0.0.1`
 * is also sent to every other web server the browser visits on 127.0.0.1 (a
 * dev server, another local tool), which could then use it here. Under this
 * name the cookie stays with us. Browsers resolve `*.localhost` to loopback
 * themselves (RFC 6761: Chromium, Firefox), so nothing needs configuring;
 * 127.0.0.1 keeps working for scripts and as a fallback.
 */
export const UI_HOSTNAME = "opensentience.localhost";

const LOOPBACK_LITERALS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The base URL a browser should use: a loopback address becomes UI_HOSTNAME on the same port; anything else is kept. */
export function browserBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    return trimmed;
  }
  if (u.protocol !== "http:" || !LOOPBACK_LITERALS.has(u.hostname)) return trimmed;
  return `http://${UI_HOSTNAME}${u.port ? `:${u.port}` : ""}`;
}

/** The origin a same-origin browser request to this Host sends. */
export function ownOrigin(hostHeader: string): string {
  return new URL(`http://${hostHeader.toLowerCase()}`).origin;
}

/**
 * The serialized origin of a Referer URL, or null. Only http(s) URLs count;
 * the default port is dropped the way browsers serialize origins.
 */
export function refererOrigin(referer: string | null): string | null {
  if (!referer) return null;
  try {
    const u = new URL(referer);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}
