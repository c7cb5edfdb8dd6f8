/**
 * The request heads the egress proxy understands, as pure functions: parse a
 * head (strictly — hostile input), and build the head forwarded to an origin.
 * See egress-proxy.ts for the dialect as a whole.
 */
import { parsePort, type RequestedHost } from "./egress-policy.ts";

/** A parsed request head. `host` is raw (normalise it with `normalizeHost`). */
export type ProxyRequest =
  | { kind: "connect"; host: string; port: number }
  | { kind: "forward"; method: string; host: string; port: number; path: string; headers: [string, string][] };

export type ParsedRequest = { ok: true; request: ProxyRequest } | { ok: false; reason: string };

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_HEADERS = 100;
/** Hop-by-hop headers a forwarding proxy must not pass on (RFC 9110 §7.6.1), plus the ones it sets itself. */
const DROPPED = new Set(["connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te", "upgrade", "host"]);

/**
 * Parses a request head (the bytes before the blank line, CRLF line endings,
 * read as latin1 so every byte is one character). Strict on purpose: a bare
 * CR or LF, a control character, an obs-folded header, userinfo or a fragment
 * in the URL, or a body with both `Content-Length` and `Transfer-Encoding` is
 * refused rather than guessed at.
 */
export function parseProxyRequest(head: string): ParsedRequest {
  const lines = head.split("\r\n");
  const requestLine = lines[0] ?? "";
  for (const line of lines) {
    if (/[\r\n\0]/.test(line)) return { ok: false, reason: "bare CR, LF or NUL in the request head" };
  }
  const m = /^([^ ]+) ([\x21-\x7e]+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!m || !TOKEN_RE.test(m[1]!)) return { ok: false, reason: "malformed request line" };
  const method = m[1]!;
  const target = m[2]!;
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === "") return { ok: false, reason: "empty line inside the head" };
    if (line.startsWith(" ") || line.startsWith("\t")) return { ok: false, reason: "folded header lines are not accepted" };
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN_RE.test(name)) return { ok: false, reason: "malformed header name" };
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return { ok: false, reason: "control character in a header value" };
    headers.push([name, value]);
    if (headers.length > MAX_HEADERS) return { ok: false, reason: "too many headers" };
  }
  if (method === "CONNECT") {
    const a = parseAuthority(target, null);
    return a.ok ? { ok: true, request: { kind: "connect", host: a.host, port: a.port } } : a;
  }
  if (/^https:\/\//i.test(target)) return { ok: false, reason: "https URLs go through CONNECT" };
  if (!/^http:\/\//i.test(target)) return { ok: false, reason: "only CONNECT and absolute http:// URLs are proxied" };
  const rest = target.slice("http://".length);
  if (rest.includes("#")) return { ok: false, reason: "fragment in the request target" };
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  let path = end < 0 ? "/" : rest.slice(end);
  if (path.startsWith("?")) path = `/${path}`;
  const a = parseAuthority(authority, 80);
  if (!a.ok) return a;
  const lengths = headers.filter(([n]) => n.toLowerCase() === "content-length").map(([, v]) => v);
  const chunked = headers.some(([n]) => n.toLowerCase() === "transfer-encoding");
  if (lengths.some((v) => !/^[0-9]{1,15}$/.test(v)) || new Set(lengths).size > 1) return { ok: false, reason: "invalid Content-Length" };
  if (chunked && lengths.length) return { ok: false, reason: "both Content-Length and Transfer-Encoding" };
  return { ok: true, request: { kind: "forward", method, host: a.host, port: a.port, path, headers } };
}

function parseAuthority(s: string, defaultPort: number | null): { ok: true; host: string; port: number } | { ok: false; reason: string } {
  if (s.includes("@")) return { ok: false, reason: "userinfo in the request target" };
  let host: string;
  let portText: string | null;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return { ok: false, reason: "unterminated IPv6 literal" };
    host = s.slice(0, close + 1);
    const after = s.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return { ok: false, reason: "malformed authority" };
    portText = after === "" ? null : after.slice(1);
  } else {
    const parts = s.split(":");
    if (parts.length > 2) return { ok: false, reason: "IPv6 literals need brackets" };
    host = parts[0] ?? "";
    portText = parts.length === 2 ? (parts[1] ?? "") : null;
  }
  if (host === "") return { ok: false, reason: "missing host" };
  if (portText === null) {
    if (defaultPort === null) return { ok: false, reason: "CONNECT needs host:port" };
    return { ok: true, host, port: defaultPort };
  }
  const port = parsePort(portText);
  return port === null ? { ok: false, reason: "port must be 1-65535" } : { ok: true, host, port };
}

/** The head sent to the origin for a forwarded request. */
export function originHead(req: Extract<ProxyRequest, { kind: "forward" }>, host: RequestedHost): string {
  const name = host.kind === "ipv6" ? `[${host.host}]` : host.host;
  const named = new Set<string>();
  for (const [n, v] of req.headers) {
    if (n.toLowerCase() === "connection") for (const t of v.split(",")) named.add(t.trim().toLowerCase());
  }
  named.delete("content-length");
  named.delete("transfer-encoding");
  let out = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${req.port === 80 ? name : `${name}:${req.port}`}\r\n`;
  for (const [n, v] of req.headers) {
    const lower = n.toLowerCase();
    if (!DROPPED.has(lower) && !named.has(lower)) out += `${n}: ${v}\r\n`;
  }
  return `${out}Connection: close\r\n\r\n`;
}
