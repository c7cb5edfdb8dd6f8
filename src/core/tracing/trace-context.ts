/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`:
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. Values come
 * from agents and HTTP clients, so parsing is strict and allocation-light.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

export interface SpanParent {
  traceId: string;
  spanId: string;
}

/** The parent named by a `traceparent`, or undefined when it is absent or malformed (a bad value is ignored, never an error). */
export function parseTraceparent(value: unknown): SpanParent | undefined {
  if (typeof value !== "string" || value.length !== 55) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return undefined;
  return { traceId: m[1]!, spanId: m[2]! };
}

/** Sampled (`01`): a trace the daemon records is always exported when export is on. */
export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

export function isSpanId(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{16}$/.test(value) && value !== ZERO_SPAN;
}

const hex = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
};

export function newSpanId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  // All-zero is invalid; 2^-64, but cheap to rule out.
  if (b.every((x) => x === 0)) b[7] = 1;
  return hex(b);
}

/**
 * A root span's trace id: the correlation id (else the request id) when it is a
 * UUID, as its 32 hex digits — so a trace id found in a collector leads straight
 * to the audit rows of that correlation/request id, and back. Otherwise random.
 */
export function traceIdFor(id: string): string {
  const m = UUID.exec(id);
  if (m) {
    const t = (m[1]! + m[2]! + m[3]! + m[4]! + m[5]!).toLowerCase();
    if (t !== ZERO_TRACE) return t;
  }
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}
