/**
 * The one redaction helper: every log, audit detail and captured build output
 * passes through it before it is stored or shown. It masks secrets by shape
 * (bearer tokens, PEM blocks, credentials in URLs, key=value pairs whose key
 * looks secret) and by key name when given structured data.
 */
export const REDACTED = "[REDACTED]";

// Not `session_id`: chat and daemon session ids are identifiers the audit trail needs; secrets
// that travel as cookies or tokens are covered by the other names.
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth(orization)?|credential|cookie|signature)/i;

/** A key name that looks like it holds a secret (used inside the key=value rules). */
// The lookbehind anchors a key name at the start of a word: without it every position
// inside a long alphanumeric run starts a new match attempt (quadratic time on hostile output).
const SECRET_NAME = "(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credential)[A-Za-z0-9_.-]*";

const TEXT_RULES: Array<[RegExp, string | ((m: string, ...g: string[]) => string)]> = [
  // PEM blocks (private keys, certificates with keys)
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, REDACTED],
  // Authorization headers and bearer/basic tokens
  [/\b(authorization\s*[:=]\s*)(bearer|basic|token)?\s*[^\s,;"']+/gi, (_m, a: string, b?: string) => `${a}${b ? `${b} ` : ""}${REDACTED}`],
  [/\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, `Bearer ${REDACTED}`],
  // user:pass@ in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+):([^\s/@]+)@/gi, (_m, s: string, u: string) => `${s}${u}:${REDACTED}@`],
  // key=value / key: value / "key": "value" where key looks secret: quoted values (which may
  // contain spaces and escaped quotes) first, then bare values up to a delimiter.
  [
    new RegExp(`(["']?)(${SECRET_NAME})\\1(\\s*[:=]\\s*)(["'])((?:\\\\.|(?!\\4)[^\\\\\\n])*)\\4`, "gi"),
    (_m, q: string, k: string, sep: string, vq: string) => `${q}${k}${q}${sep}${vq}${REDACTED}${vq}`,
  ],
  [new RegExp(`(["']?)(${SECRET_NAME})\\1(\\s*[:=]\\s*)([^\\s"',;&]+)`, "gi"), (_m, q: string, k: string, sep: string) => `${q}${k}${q}${sep}${REDACTED}`],
  // Well-known token shapes
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_-]{20,})\b/g, REDACTED],
  // Long hex/base64url strings that look like our own tokens (64 hex = 32 bytes)
  [/\b[a-f0-9]{64}\b/gi, REDACTED],
];

/** Masks secrets inside free text. */
export function redactText(input: string): string {
  let out = input;
  for (const [re, rep] of TEXT_RULES) out = out.replace(re, rep as never);
  return out;
}

/**
 * Deep-copies structured data, masking values under secret-looking keys and
 * redacting every string. Bounded depth so hostile nesting cannot recurse forever.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== "boolean" ? REDACTED : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** Replaces every value of an arguments object with its type only (audit of tool calls). */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (depth > 8) return "…";
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, 50)) out[k] = shapeOf(v, depth + 1);
    return out;
  }
  return value === null ? "null" : typeof value;
}
