/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`:
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. Values come
 * from agents and HTTP clients, so parsing is strict and allocation-light.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

export interface SpanParent {
  traceId: string;
  spanId: string;
  /** The W3C `sampled` flag: the parent's trace is being recorded upstream. */
  sampled: boolean;
}

/** The parent named by a `traceparent`, or undefined when it is absent or malformed (a bad value is ignored, never an error). */
export function parseTraceparent(value: unknown): SpanParent | undefined {
  if (typeof value !== "string" || value.length !== 55) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (Number.parseInt(m[3]!, 16) & 1) === 1 };
}

/** Sampled (`01`): a trace the daemon records is always exported when export is on. */
export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** 16 lowercase hex digits, not all zero (no regex: checked once per traced call). */
export function isSpanId(value: unknown): value is string {
  if (typeof value !== "string" || value.length !== 16) return false;
  let zero = true;
  for (let i = 0; i < 16; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    if (c !== 48) zero = false;
  }
  return !zero;
}

// Ids come from the system CSPRNG, drawn 4 KiB at a time (one getRandomValues
// call per span cost ~3 µs, more than the rest of a span together) and turned
// into hex once per draw by the native encoder; an id is then a substring of
// that pool (~70 ns; per-byte table lookups and concatenation were ~95 ns).
const pool = new Uint8Array(4096);
let hexPool = "";
let next = 0;

export function newSpanId(): string {
  if (next + 16 > hexPool.length) {
    crypto.getRandomValues(pool);
    hexPool = Buffer.from(pool.buffer, pool.byteOffset, pool.byteLength).toString("hex");
    next = 0;
  }
  const id = hexPool.substring(next, (next += 16));
  // All-zero is invalid; 2^-64, but cheap to rule out.
  return id === "0000000000000000" ? newSpanId() : id;
}

/** The 32 hex digits of a UUID-shaped id (lowercased), else undefined. Hot path: no regex, one string built. */
export function uuidHex(id: string): string | undefined {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return undefined;
  let zero = true;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const c = id.charCodeAt(i) | 0x20; // ASCII lower case
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
    if (c !== 48) zero = false;
  }
  if (zero) return undefined;
  const t = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  return t.toLowerCase();
}

/**
 * The trace id of a UUID this process generated itself (crypto.randomUUID: 36
 * lower-case characters, never all zero), without uuidHex's checks — most of
 * its ~300 ns. For ids from outside, uuidHex.
 */
export function ownUuidHex(id: string): string {
  return id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
}

/**
 * A root span's trace id: the correlation id (else the request id) when it is a
 * UUID, as its 32 hex digits — so a trace id found in a collector leads straight
 * to the audit rows of that correlation/request id, and back. Otherwise random.
 */
export function traceIdFor(id: string): string {
  return uuidHex(id) ?? randomTraceId();
}

export function randomTraceId(): string {
  return newSpanId() + newSpanId();
}
