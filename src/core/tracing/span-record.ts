/** One finished span as the daemon keeps it: plain data, converted to OTLP only when exported. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** `server`: a root (a call or turn arriving); `internal`: a phase; `agent`: reported by the agent (OTLP kind SERVER in the agent's scope). */
  kind: "server" | "internal" | "agent";
  /** Unix epoch milliseconds, fractional (microsecond resolution). */
  startMs: number;
  endMs: number;
  /** The error code when the span's phase failed, else undefined (status OK). */
  error: string | undefined;
  attributes: Record<string, string | number | boolean>;
}
