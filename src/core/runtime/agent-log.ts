/**
 * Per-agent log: stdout/stderr lines and `log` frames, redacted, kept in a
 * bounded in-memory ring (for tail/follow) and appended to a file that is
 * rotated once it passes its size cap (one previous file kept).
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { redactText } from "../redact.ts";

export interface LogLine {
  at: string;
  stream: "stdout" | "stderr" | "agent" | "core";
  level?: string;
  line: string;
}

const MAX_LINE = 8192;
const RING = 2000;

export class AgentLog {
  private readonly ring: LogLine[] = [];
  private size: number;
  private readonly listeners = new Set<(l: LogLine) => void>();

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.size = existsSync(file) ? statSync(file).size : 0;
  }

  append(stream: LogLine["stream"], text: string, level?: string): void {
    const at = new Date().toISOString();
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      const line = redactText(raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}…` : raw);
      const entry: LogLine = { at, stream, line, ...(level ? { level } : {}) };
      this.ring.push(entry);
      if (this.ring.length > RING) this.ring.shift();
      this.write(`${at} ${stream}${level ? `.${level}` : ""} ${line}\n`);
      for (const l of this.listeners) l(entry);
    }
  }

  tail(n = 200): LogLine[] {
    return this.ring.slice(-Math.max(0, n));
  }

  subscribe(fn: (l: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private write(s: string): void {
    try {
      if (this.size + s.length > this.maxBytes) {
        renameSync(this.file, `${this.file}.1`);
        this.size = 0;
      }
      appendFileSync(this.file, s, { mode: 0o600 });
      this.size += Buffer.byteLength(s);
    } catch {
      // Logging must never take the runtime down; the ring still has the line.
    }
  }
}

/** Streams a ReadableStream of bytes into the log line by line. */
export async function pipeToLog(stream: ReadableStream<Uint8Array> | null | undefined, log: AgentLog, name: "stdout" | "stderr"): Promise<void> {
  if (!stream) return;
  const decoder = new TextDecoder();
  let carry = "";
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      carry += decoder.decode(chunk, { stream: true });
      const nl = carry.lastIndexOf("\n");
      if (nl >= 0) {
        log.append(name, carry.slice(0, nl));
        carry = carry.slice(nl + 1);
      }
      if (carry.length > MAX_LINE * 4) {
        log.append(name, carry);
        carry = "";
      }
    }
  } catch {
    // stream closed with the process
  }
  if (carry) log.append(name, carry);
}
