/**
 * Egress policy: may an agent's egress proxy open a connection to `host:port`?
 * Pure functions, no I/O: the proxy (egress-proxy.ts) parses the request,
 * asks `decideEgress`, resolves the name itself and asks `isPublicAddress`
 * about every address before it connects.
 *
 * Grammar of an approved target (the `<target>` of `network:egress:<target>`,
 * as `parsePermission` accepts it; matching is case-insensitive and a trailing
 * dot is ignored):
 *
 * | target              | allows                                                        |
 * |---------------------|---------------------------------------------------------------|
 * | `example.com`       | exactly that name, ports 80 and 443                           |
 * | `example.com:8443`  | exactly that name, port 8443 only                             |
 * | `*.example.com`     | any name below it (`a.example.com`, `a.b.example.com`), not `example.com` itself; ports 80 and 443 |
 * | `*.example.com:22`  | the same, port 22 only                                        |
 * | `*` / `*:443`       | any public destination, any port / port 443                   |
 * | `203.0.113.7[:p]`   | that IPv4 literal (only when the request names it literally)  |
 * | `localhost[:p]`     | the host's own loopback (the one name allowed to resolve to it) |
 *
 * A `*` anywhere else (`foo*.com`, `a.*.com`) is refused. IPv6 literals cannot
 * be approved (the permission grammar has no brackets); `*` does not reach them
 * either unless they are public.
 *
 * Why names are checked before resolution and addresses after: the proxy runs
 * on the host's network, outside the sandbox. An approved public name whose DNS
 * answer is `127.0.0.1` or `192.168.1.1` (a rebinding trick, `127.0.0.1.nip.io`,
 * a hostile resolver) would otherwise be a path to the user's loopback services
 * and LAN. So an address that is not public (loopback, private, link-local,
 * CGNAT, multicast, documentation, IPv4-mapped/6to4/NAT64 forms of those) is
 * refused unless the rule that matched is itself such an IP literal or
 * `localhost` — i.e. the user approved exactly that.
 */
import { isIPv6 } from "node:net";
import { parsePermission } from "../manifest/permissions.ts";

/** Ports a target without `:port` allows. */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [80, 443];

export type EgressRule =
  | { kind: "any"; port: number | null; target: string }
  | { kind: "name"; name: string; port: number | null; target: string }
  | { kind: "subdomains"; suffix: string; port: number | null; target: string }
  | { kind: "ipv4"; ip: string; port: number | null; target: string };

/** A requested host after normalisation (lower case, no trailing dot, IPv6 without brackets). */
export type RequestedHost = { kind: "name" | "ipv4" | "ipv6"; host: string };

export type EgressDecision =
  | { allowed: true; target: string; privateOk: boolean }
  | { allowed: false; reason: string };

const PREFIX = "network:egress:";
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses one approved entry: a bare target (`api.example.com:443`) or the
 * whole permission (`network:egress:api.example.com:443`). The permission
 * grammar (`parsePermission`) is checked first; this adds what it leaves open.
 */
export function parseEgressRule(entry: string): { ok: true; rule: EgressRule } | { ok: false; reason: string } {
  const target = entry.startsWith(PREFIX) ? entry.slice(PREFIX.length) : entry;
  const perm = parsePermission(PREFIX + target);
  if (!perm.ok) return { ok: false, reason: perm.reason };
  let hostPart = target;
  let port: number | null = null;
  const colon = target.lastIndexOf(":");
  if (colon >= 0) {
    port = parsePort(target.slice(colon + 1));
    if (port === null) return { ok: false, reason: "port must be 1-65535" };
    hostPart = target.slice(0, colon);
  }
  hostPart = hostPart.toLowerCase();
  if (hostPart === "*") return { ok: true, rule: { kind: "any", port, target } };
  let wildcard = false;
  if (hostPart.startsWith("*.")) {
    wildcard = true;
    hostPart = hostPart.slice(2);
  }
  if (hostPart.includes("*")) return { ok: false, reason: "a wildcard is allowed only as a whole leading '*.' label" };
  const host = normalizeHost(hostPart);
  if (!host.ok) return { ok: false, reason: host.reason };
  if (host.host.kind === "ipv4") {
    if (wildcard) return { ok: false, reason: "'*.' cannot precede an IP address" };
    return { ok: true, rule: { kind: "ipv4", ip: host.host.host, port, target } };
  }
  if (host.host.kind !== "name") return { ok: false, reason: "IPv6 literals cannot be approved" };
  return wildcard
    ? { ok: true, rule: { kind: "subdomains", suffix: host.host.host, port, target } }
    : { ok: true, rule: { kind: "name", name: host.host.host, port, target } };
}

/** Parses every entry; throws naming the first invalid one (an approval must never be silently dropped). */
export function parseEgressRules(entries: readonly string[]): EgressRule[] {
  return entries.map((e) => {
    const r = parseEgressRule(e);
    if (!r.ok) throw new Error(`invalid egress target '${e.slice(0, 80)}': ${r.reason}`);
    return r.rule;
  });
}

/**
 * Normalises a host as it appears in a request (`CONNECT host:port`, an
 * absolute URL's authority) or in a rule. Accepts: a DNS name of ASCII letters,
 * digits and hyphens (labels 1-63, total ≤ 253; internationalised names only
 * as punycode `xn--…`, never converted), a canonical dotted-quad IPv4 address,
 * or a bracketed IPv6 address without zone. Refuses anything a resolver might
 * read differently than we do: non-canonical IPv4 forms (`127.1`, `0x7f.1`,
 * `2130706433`, leading zeros), underscores, empty labels, non-ASCII.
 */
export function normalizeHost(raw: string): { ok: true; host: RequestedHost } | { ok: false; reason: string } {
  if (raw.length === 0) return { ok: false, reason: "empty host" };
  if (raw.length > 260) return { ok: false, reason: "host longer than 253 characters" };
  if (raw.startsWith("[")) {
    if (!raw.endsWith("]")) return { ok: false, reason: "unterminated IPv6 literal" };
    const inner = raw.slice(1, -1).toLowerCase();
    if (inner.includes("%") || !isIPv6(inner) || parseIPv6(inner) === null) return { ok: false, reason: "invalid IPv6 literal" };
    return { ok: true, host: { kind: "ipv6", host: inner } };
  }
  if (/[^\x21-\x7e]/.test(raw)) return { ok: false, reason: "host has characters outside printable ASCII (use punycode)" };
  let h = raw.toLowerCase();
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (parseIPv4(h) !== null) return { ok: true, host: { kind: "ipv4", host: h } };
  if (h.length === 0 || h.length > 253) return { ok: false, reason: "host must be 1-253 characters" };
  const labels = h.split(".");
  for (const l of labels) {
    if (!LABEL_RE.test(l)) return { ok: false, reason: l.length > 63 ? "a label is longer than 63 characters" : "invalid host name" };
  }
  // WHATWG URL and inet_aton read a numeric last label as an IPv4 number; so might a resolver.
  const last = labels[labels.length - 1] ?? "";
  if (/^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last)) return { ok: false, reason: "looks like a non-canonical IP address" };
  return { ok: true, host: { kind: "name", host: h } };
}

function portMatches(rulePort: number | null, port: number, any: boolean): boolean {
  if (rulePort !== null) return rulePort === port;
  return any || DEFAULT_EGRESS_PORTS.includes(port);
}

/**
 * Decides on the requested name (never on its DNS answer). `privateOk` tells
 * the proxy whether the matching rule lets the destination be a non-public
 * address (an approved IP literal, or `localhost`).
 */
export function decideEgress(rules: readonly EgressRule[], host: RequestedHost, port: number): EgressDecision {
  let match: EgressRule | null = null;
  for (const rule of rules) {
    let hostOk: boolean;
    switch (rule.kind) {
      case "any":
        hostOk = true;
        break;
      case "name":
        hostOk = host.kind === "name" && host.host === rule.name;
        break;
      case "subdomains":
        hostOk = host.kind === "name" && host.host.endsWith(`.${rule.suffix}`);
        break;
      case "ipv4":
        hostOk = host.kind === "ipv4" && host.host === rule.ip;
        break;
    }
    if (!hostOk || !portMatches(rule.port, port, rule.kind === "any")) continue;
    if (rulePermitsPrivate(rule)) return { allowed: true, target: rule.target, privateOk: true };
    match ??= rule;
  }
  if (match) return { allowed: true, target: match.target, privateOk: false };
  const shown = host.kind === "ipv6" ? `[${host.host}]` : host.host;
  return { allowed: false, reason: `${shown}:${port} is not an approved egress target` };
}

function rulePermitsPrivate(rule: EgressRule): boolean {
  return rule.kind === "ipv4" || (rule.kind === "name" && rule.name === "localhost");
}

/** `port` as 1-65535 from decimal digits only, else null. */
export function parsePort(s: string): number | null {
  if (!/^[0-9]{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/** Canonical dotted-quad only (no leading zeros, no shorthand). */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted-quad tail; no zone ids. */
export function parseIPv6(s: string): number[] | null {
  if (s.length > 45 || s.includes("%")) return null;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return null;
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = parseIPv4(last);
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const side = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = side(halves[0] ?? "");
  const rest = halves.length === 2 ? side(halves[1] ?? "") : [];
  if (!head || !rest) return null;
  const want = 8 - tail.length;
  if (halves.length === 2) {
    if (head.length + rest.length > want - 1) return null;
    return [...head, ...new Array<number>(want - head.length - rest.length).fill(0), ...rest, ...tail];
  }
  return head.length === want ? [...head, ...tail] : null;
}

const V4_NON_PUBLIC: readonly [number, number][] = [
  [0x00000000, 8], // "this" network
  [0x0a000000, 8], // private
  [0x64400000, 10], // CGNAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata lives here)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // documentation
  [0xc0586300, 24], // 6to4 relay anycast
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // documentation
  [0xcb007100, 24], // documentation
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4Public(b: readonly number[]): boolean {
  const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return !V4_NON_PUBLIC.some(([net, bits]) => (n >>> (32 - bits)) === (net >>> (32 - bits)));
}

/**
 * True when `ip` (IPv4 dotted-quad or IPv6 text, as the resolver returns it)
 * is a public unicast address. Unparseable input is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return v4Public(v4);
  const g = parseIPv6(ip.toLowerCase());
  if (!g) return false;
  const embedded = (hi: number, lo: number): number[] => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4Public(embedded(g[6]!, g[7]!)); // IPv4-mapped
  if (zeros(0, 6)) return false; // ::, ::1, IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4Public(embedded(g[6]!, g[7]!)); // NAT64
  if (g[0] === 0x2002) return v4Public(embedded(g[1]!, g[2]!)); // 6to4
  const top = g[0]!;
  if (top === 0x64 && g[1] === 0xff9b) return false; // local-use NAT64 (64:ff9b:1::/48 and neighbours)
  if (top === 0x0100 && zeros(1, 4)) return false; // discard-only
  if (top === 0x2001 && g[1]! < 0x0200) return false; // IETF protocol assignments (Teredo, ORCHID, …)
  if (top === 0x2001 && g[1] === 0x0db8) return false; // documentation
  if ((top & 0xfe00) === 0xfc00) return false; // unique local
  if ((top & 0xffc0) === 0xfe80 || (top & 0xffc0) === 0xfec0) return false; // link-local, site-local
  if ((top & 0xff00) === 0xff00) return false; // multicast
  return (top & 0xe000) === 0x2000; // only global unicast 2000::/3 is public
}
