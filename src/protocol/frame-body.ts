/**
 * Turns the body of one frame into a JSON object, or says why it cannot:
 * strict UTF-8, bounded nesting, exactly one JSON value that is a plain
 * object (§1). Pure; never throws.
 */
import { DEFAULT_MAX_JSON_DEPTH } from "./constants.ts";
import { ProtocolError } from "./error-codes.ts";

/** A decoded frame: a JSON object, before any schema check. */
export type JsonObject = { [key: string]: unknown };

export type BodyResult = { ok: true; value: JsonObject } | { ok: false; error: ProtocolError };

// fatal: invalid UTF-8 throws instead of becoming U+FFFD.
// ignoreBOM: a leading BOM is kept, so JSON.parse rejects it (RFC 8259 §8.1:
// senders must not add one; the Erlang side never does).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Strings longer than this are skipped with native indexOf instead of a byte loop. */
const SHORT_STRING_BYTES = 24;

/**
 * Offset just past the quote that closes a string whose content starts at
 * `from`, or `bytes.length` if it never closes. Escapes are consumed in pairs,
 * so a quote is closing when an even number of backslashes precedes it.
 */
function skipString(bytes: Uint8Array, from: number): number {
  const n = bytes.length;
  let i = from;
  for (let k = 0; k < SHORT_STRING_BYTES; k++) {
    if (i >= n) return n;
    const c = bytes[i++];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  // Long string: every backslash before `i` has been paired already.
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return n;
    let backslashes = 0;
    for (let k = quote - 1; k >= i && bytes[k] === BACKSLASH; k--) backslashes++;
    i = quote + 1;
    if ((backslashes & 1) === 0) return i;
  }
}

/**
 * True when the JSON text in `bytes` nests arrays/objects deeper than
 * `maxDepth`, or closes more than it opens. Exact for valid JSON; for invalid
 * JSON the answer does not matter because JSON.parse rejects it anyway.
 * Works on bytes: quotes, backslashes and brackets are ASCII and never occur
 * inside a multi-byte UTF-8 sequence. Linear time, no allocation.
 */
export function exceedsJsonDepth(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i++];
    if (b === QUOTE) {
      i = skipString(bytes, i);
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth < 0) return true;
    }
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * Decodes one frame body. Every failure is `bad_frame`: the caller sends one
 * `error` frame and closes the connection.
 */
export function parseFrameBody(body: Uint8Array, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): BodyResult {
  if (body.length === 0) {
    return { ok: false, error: new ProtocolError("bad_frame", "empty frame (length 0)") };
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (cause) {
    return { ok: false, error: new ProtocolError("bad_frame", "frame body is not valid UTF-8", { cause }) };
  }
  if (exceedsJsonDepth(body, maxDepth)) {
    return {
      ok: false,
      error: new ProtocolError("bad_frame", `frame body nests deeper than ${maxDepth} levels or is unbalanced`),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { ok: false, error: new ProtocolError("bad_frame", "frame body is not valid JSON", { cause }) };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: new ProtocolError("bad_frame", `frame body must be a JSON object, got ${describe(value)}`),
    };
  }
  return { ok: true, value: value as JsonObject };
}
