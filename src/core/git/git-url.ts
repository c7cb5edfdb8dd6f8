/**
 * Git URL validation: the single check every URL passes before it reaches git
 * (registry URLs, registry entries' and manifests' `git_url`, config
 * registries). Pure.
 *
 * Accepted: `https://host[:port]/path`, `ssh://[user@]host[:port]/path`,
 * scp-like `user@host:path`, and `file:///abs/path`. The authority is parsed
 * the way git itself reads it, so what we check is what ssh gets:
 * - git percent-decodes a whole `ssh://` URL before splitting it, so
 *   `ssh://%2doProxyCommand=…/x` reaches ssh as the host `-oProxyCommand=…`:
 *   user and host are checked AFTER decoding;
 * - git strips brackets from any bracketed host, so `ssh://[-oProxyCommand=…]/x`
 *   also becomes an ssh option: brackets must hold an IPv6 literal;
 * - a user or host is a plain name (letters, digits, `.`, `_`, `-`, and not
 *   starting with `-`), so nothing else ssh or curl might interpret gets through.
 * Credentials in a URL (`user:password@`, or any user in an https URL, where
 * it is a token) are refused: the URL is stored in the catalog and the audit
 * log, and would put the secret there in clear.
 */

/** Hosts and users: a name, never an option, never anything ssh or a shell might read specially. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const CONTROL_OR_SPACE_RE = /[\s\u0000-\u001f\u007f]/;

export const CREDENTIALS_HINT =
  "remove them: the URL is stored in the catalog and the audit log in clear. Use an ssh:// URL with a key instead (git credential helpers are not consulted: every git call runs with credential.helper cleared)";

/** Percent-decodes like git's url_decode; null when an escape is malformed. */
function percentDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** True for the inside of `[...]` when it is an IPv6 literal (RFC 3986 IP-literal, without zone ids). */
function isIpv6Literal(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/**
 * Why a user or host name is unusable, or null. `decoded`: the name came out of
 * percent-decoding (ssh:// and https:// URLs), said in the message because the
 * raw URL may not show the offending character.
 */
function nameProblem(kind: "host" | "user", name: string, decoded: boolean): string | null {
  const after = decoded ? " after percent-decoding" : "";
  if (name.length === 0) return `${kind} must not be empty`;
  if (name.startsWith("-")) return `${kind} must not start with '-'${after} (ssh would read it as an option)`;
  if (CONTROL_OR_SPACE_RE.test(name)) return `${kind} must not contain whitespace or control characters${after}`;
  if (!NAME_RE.test(name)) return `${kind} may contain only letters, digits, '.', '_' and '-'${after}`;
  return null;
}

/** Checks `host[:port]` (already split from any userinfo); null when fine. */
function hostPortProblem(hostPort: string): string | null {
  let host: string;
  let rest: string;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) return "host has an unclosed '['";
    const inside = hostPort.slice(1, close);
    const decoded = percentDecode(inside);
    if (decoded === null) return "host has a malformed percent-escape";
    if (!isIpv6Literal(decoded)) return "host in brackets must be an IPv6 address (git strips the brackets and ssh would read the rest)";
    rest = hostPort.slice(close + 1);
    host = "";
  } else {
    const colon = hostPort.indexOf(":");
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    rest = colon < 0 ? "" : hostPort.slice(colon);
    const decoded = percentDecode(host);
    if (decoded === null) return "host has a malformed percent-escape";
    const p = nameProblem("host", decoded, true);
    if (p) return p;
  }
  if (rest === "") return null;
  const port = /^:(\d{1,5})$/.exec(rest)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65535) return "port must be a number from 1 to 65535";
  return null;
}

/** Checks the authority of an https:// or ssh:// URL. */
function authorityProblem(scheme: "https" | "ssh", authority: string): string | null {
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    // https: anything before '@' is a user name or a token; ssh: a password follows ':'.
    if (scheme === "https") return `must not embed credentials ('user@' or 'user:password@'); ${CREDENTIALS_HINT}`;
    if (userinfo.includes(":")) return `must not embed credentials ('user:password@'); ${CREDENTIALS_HINT}`;
    const user = percentDecode(userinfo);
    if (user === null) return "user has a malformed percent-escape";
    const p = nameProblem("user", user, true);
    if (p) return `ssh ${p}`;
  }
  const p = hostPortProblem(authority.slice(at + 1));
  return p ? `${scheme === "ssh" ? "ssh " : ""}${p}` : null;
}

/** A git URL the core may hand to git: https, ssh, scp-like, or file. Never an option, never ext::. */
export function gitUrlProblem(url: string): string | null {
  if (url.length === 0 || url.length > 2048) return "must be 1-2048 characters";
  if (url.startsWith("-")) return "must not start with '-'";
  if (CONTROL_OR_SPACE_RE.test(url)) return "must not contain whitespace or control characters";
  if (/^[a-z0-9+.-]+::/i.test(url)) return "transport helpers (ext::, fd:: …) are not allowed";
  if (/^file:\/\/\//.test(url)) return null;

  const m = /^(https|ssh):\/\/([^/?#]*)(.*)$/.exec(url);
  if (m) {
    const scheme = m[1] as "https" | "ssh";
    const [, , authority = "", tail = ""] = m;
    if (scheme === "ssh" && !tail.startsWith("/")) return "ssh:// URLs need a path after the host";
    const decodedTail = percentDecode(tail);
    if (decodedTail === null) return "path has a malformed percent-escape";
    if (scheme === "ssh" && /[\u0000-\u001f\u007f]/.test(decodedTail)) return "path must not contain control characters (after percent-decoding)";
    return authorityProblem(scheme, authority);
  }

  // scp-like `user@host:path` (git never percent-decodes these). The first ':' ends the host,
  // so `user:password@host:path` would read as user `user` at host `password@host`.
  if (/^[^@/]+:[^@/]*@[^/:]+:/.test(url)) return `must not embed credentials ('user:password@'); ${CREDENTIALS_HINT}`;
  const scp = /^([^@/:]+)@([^/:]+):(?!\/\/)(.+)$/.exec(url);
  if (scp) {
    if (scp[2]!.startsWith("[")) return "ssh host of an scp-like URL must be a plain name, not bracketed";
    const p = nameProblem("user", scp[1]!, false) ?? nameProblem("host", scp[2]!, false);
    return p ? `ssh ${p}` : null;
  }
  return "must be https://, ssh://, git@host:path or file:/// URL";
}

/**
 * `url` with anything credential-like masked (an https user or token, an
 * ssh or scp-like password), for messages and audit records about a URL
 * that is being refused: the secret must not end up in the log because the
 * refusal quoted it.
 */
export function maskUrlCredentials(url: string): string {
  const m = /^(https?|ssh):\/\/([^/?#]*)@/.exec(url);
  if (m) {
    const userinfo = m[2]!;
    const masked = m[1] === "ssh" && userinfo.includes(":") ? `${userinfo.slice(0, userinfo.indexOf(":"))}:[REDACTED]` : m[1] === "ssh" ? userinfo : "[REDACTED]";
    return `${m[1]}://${masked}@${url.slice(m[0].length)}`;
  }
  return url.replace(/^([^@/:]+):[^@/]*@(?=[^/:]+:)/, "$1:[REDACTED]@");
}
