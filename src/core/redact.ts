/**
 * The one redaction helper: every log, audit detail, captured build output and
 * agent output passes through it before it is stored or shown. It masks
 * secrets by shape — the rule table in secret-rules.ts (gitleaks' default rules
 * plus key=value, URL credential, header and PEM rules) — and by key name when
 * given structured data. Output that arrives line by line (agent stdout/stderr,
 * `log` frames, build output) goes through a `LineRedactor`, which also masks
 * the body of a PEM block printed over several lines.
 */
import { SECRET_RULES, type SecretRule } from "./secret-rules.ts";

export const REDACTED = "[REDACTED]";

// Not `session_id`: chat and daemon session ids are identifiers the audit trail needs; secrets
// that travel as cookies or tokens are covered by the other names.
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth(orization)?|credential|cookie|signature)/i;

/** Shannon entropy in bits per character (gitleaks' measure for its generic rule). */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

type Replacer = string | ((match: string, ...rest: unknown[]) => string);

interface CompiledRule {
  rule: SecretRule;
  replace: Replacer;
}

function compile(rule: SecretRule): CompiledRule {
  if (!rule.regex.global) throw new Error(`secret rule ${rule.id}: the regex must be global`);
  const keeps = rule.regex.source.includes("(?<keep>");
  if (rule.entropy === undefined) return { rule, replace: keeps ? `$<keep>${REDACTED}` : REDACTED };
  const min = rule.entropy;
  return {
    rule,
    replace: (match: string, ...rest: unknown[]) => {
      const groups = rest[rest.length - 1] as Record<string, string | undefined> | undefined;
      const keep = (keeps && typeof groups === "object" && groups?.keep) || "";
      return shannonEntropy(match.slice(keep.length)) >= min ? `${keep}${REDACTED}` : match;
    },
  };
}

const RULES: readonly CompiledRule[] = SECRET_RULES.map(compile);

/**
 * Short strings recur constantly (tool ids, caller kinds, argument shapes in every tool call's audit row), and
 * redaction is a pure function of its input: remember the answers for short inputs instead of running ~200 rules
 * again. Bounded: cleared when full, so hostile variety costs memory only up to the cap.
 */
const MEMO_MAX_INPUT = 256;
const MEMO_MAX_ENTRIES = 4096;
const memo = new Map<string, string>();

/** Masks secrets inside free text (stateless: a PEM block is masked whole only when all of it is in `input`). */
export function redactText(input: string): string {
  if (input.length === 0) return input;
  if (input.length > MEMO_MAX_INPUT) return redactUncached(input);
  let out = memo.get(input);
  if (out === undefined) {
    out = redactUncached(input);
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    memo.set(input, out);
  }
  return out;
}

function redactUncached(input: string): string {
  // Keyword prefilter: a rule runs only if the text holds one of its keywords. Replacements only
  // add "[REDACTED]", which holds no keyword, so the lower-cased original stays a valid filter.
  const lower = input.toLowerCase();
  let out = input;
  for (const { rule, replace } of RULES) {
    if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) continue;
    out = out.replace(rule.regex, replace as never);
  }
  return out;
}

const PEM_BEGIN = /-----BEGIN[ A-Z0-9_-]{1,100}-----/g;
const PEM_END = /-----END[ A-Z0-9_-]{1,100}-----/g;
/** A line of a PEM body: base64 (RFC 7468), possibly indented; `=` also starts an OpenPGP checksum line. */
const PEM_BODY_LINE = /^[ \t]*[A-Za-z0-9+/=]*[ \t\r]*$/;
/** Headers allowed before the body: RFC 1421 (encrypted keys) and OpenPGP armour. */
const PEM_HEADER_LINE = /^[ \t]*(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset|MessageID):[^\n]*$/;
/** Characters of a token (base64, base64url, JWT, hex, key ids): where a cut must not leave a fragment. */
const TOKEN_CHAR = /[A-Za-z0-9+/=_.~-]/;

/** The index of the last PEM marker of `re` in `s`, with its length, or null. */
function lastMatch(re: RegExp, s: string): { index: number; end: number } | null {
  re.lastIndex = 0;
  let last: { index: number; end: number } | null = null;
  for (let m = re.exec(s); m; m = re.exec(s)) last = { index: m.index, end: m.index + m[0].length };
  return last;
}

/**
 * Cuts `s` at `at` without leaving part of a token behind: when the cut falls
 * inside a run of token characters, the whole run before it goes too (a
 * fragment of a key is still a leak, and no rule recognises a fragment).
 * A manual scan: a regex like /\S+$/ is quadratic on a long run.
 */
export function cutOutsideToken(s: string, at: number): string {
  if (at >= s.length) return s;
  let i = at;
  if (TOKEN_CHAR.test(s[at]!)) while (i > 0 && TOKEN_CHAR.test(s[i - 1]!)) i--;
  return s.slice(0, i);
}

export interface LineRedactorOptions {
  /** Longest line kept; longer lines are cut (outside any token) and end with "…". */
  maxLine: number;
}

/** How far past `maxLine` a line is still read, so a secret that straddles the cut is matched whole. */
const LOOKAHEAD = 2048;

/**
 * Redacts one stream of lines — one per stream: stdout, stderr and `log`
 * frames each have their own, since their lines interleave. It carries one
 * piece of state across lines: inside a PEM block, whose body lines (base64,
 * no marker of their own) are dropped until the END line. The block leaves a
 * single `[REDACTED]` where it began, as `redactText` does for a whole block.
 * A line that cannot belong to a PEM body ends the block early, so an
 * unterminated BEGIN cannot hide the rest of the output.
 *
 * Work per line is bounded: at most `maxLine + LOOKAHEAD` characters are read.
 */
export class LineRedactor {
  #inBlock = false;
  #bodySeen = false;

  constructor(private readonly opts: LineRedactorOptions) {}

  /** True while a PEM block is open (its body lines are being dropped). */
  get inBlock(): boolean {
    return this.#inBlock;
  }

  /** The redacted line, or null when the line belongs to a masked PEM block and is dropped. */
  line(raw: string): string | null {
    const max = this.opts.maxLine;
    const cut = raw.length > max + LOOKAHEAD;
    let text = cut ? cutOutsideToken(raw, max + LOOKAHEAD) : raw;
    if (this.#inBlock) {
      const end = lastMatch(PEM_END, text);
      if (end) {
        this.#inBlock = false;
        text = text.slice(end.end);
        if (text.trim() === "") return null;
      } else if (PEM_BODY_LINE.test(text) || (!this.#bodySeen && PEM_HEADER_LINE.test(text))) {
        if (PEM_BODY_LINE.test(text) && text.trim() !== "") this.#bodySeen = true;
        return null;
      } else {
        // Not key material: the block was cut short. Show this line (redacted as usual).
        this.#inBlock = false;
      }
    }
    const begin = lastMatch(PEM_BEGIN, text);
    if (begin && !lastMatch(PEM_END, text.slice(begin.end))) {
      this.#inBlock = true;
      this.#bodySeen = false;
    }
    const out = redactText(text);
    if (!cut && out.length <= max) return out;
    return `${cutOutsideToken(out, max)}…`;
  }
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
    // for…in over own keys rather than Object.entries: no array per entry (every tool call's audit row comes here).
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      const v = (value as Record<string, unknown>)[k];
      out[k] = isSecretKey(k) && v !== null && typeof v !== "boolean" ? REDACTED : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** Key names recur as much as short strings do (see the text memo above): the answer is remembered the same way. */
const keyMemo = new Map<string, boolean>();

function isSecretKey(k: string): boolean {
  let secret = keyMemo.get(k);
  if (secret === undefined) {
    secret = SECRET_KEY.test(k);
    if (k.length <= MEMO_MAX_INPUT) {
      if (keyMemo.size >= MEMO_MAX_ENTRIES) keyMemo.clear();
      keyMemo.set(k, secret);
    }
  }
  return secret;
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
