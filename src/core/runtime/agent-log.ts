/**
 * Per-agent log: stdout/stderr lines and `log` frames, redacted, kept in a
 * bounded in-memory ring (for tail/follow) and appended to a file that is
 * rotated once it passes its size cap (`<file>.1` … `.<keepFiles>` kept;
 * retention deletes rotated files past their age).
 *
 * This is the only way agent output reaches storage or a reader: the file,
 * `agents logs`, the API (tail and follow) and the UI's SSE stream all read
 * the redacted lines made here.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { LineRedactor } from "../redact.ts";

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
  /** One redactor per stream: a PEM block printed on stdout spans lines (and chunks) of stdout only. */
  private readonly redactors = new Map<LogLine["stream"], LineRedactor>();

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    /** Rotated files kept (config retention.agent_log_files). */
    private readonly keepFiles = 1,
  ) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.size = existsSync(file) ? statSync(file).size : 0;
  }

  append(stream: LogLine["stream"], text: string, level?: string): void {
    const at = new Date().toISOString();
    let redactor = this.redactors.get(stream);
    if (!redactor) this.redactors.set(stream, (redactor = new LineRedactor({ maxLine: MAX_LINE })));
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      // Redacted before it is cut to MAX_LINE (a secret across the cut is masked whole); null: a PEM body line.
      const line = redactor.line(raw);
      if (line === null || line === "") continue;
      const entry: LogLine = { at, stream, line, ...(level ? { level } : {}) };
      this.ring.push(entry);
      if (this.ring.length > RING) this.ring.shift();
      this.write(`${at} ${stream}${level ? `.${level}` : ""} ${line}\n`);
      for (const l of this.listeners) l(entry);
    }
  }

  /** The stream ended (the process exited): a PEM block left open there is closed, so the next run starts clean. */
  endStream(stream: LogLine["stream"]): void {
    this.redactors.delete(stream);
  }

  tail(n = 200): LogLine[] {
    return this.ring.slice(-Math.max(0, n));
  }

  subscribe(fn: (l: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** `<file>` → `.1` → `.2` … ; the oldest beyond keepFiles is dropped. */
  private rotate(): void {
    rmSync(`${this.file}.${this.keepFiles}`, { force: true });
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
  }

  private write(s: string): void {
    try {
      if (this.size + s.length > this.maxBytes) {
        this.rotate();
        this.size = 0;
      }
      appendFileSync(this.file, s, { mode: 0o600 });
      this.size += Buffer.byteLength(s);
    } catch {
      // Logging must never take the runtime down; the ring still has the line.
    }
  }
}

/** How much of an unfinished line is held: enough for the redactor to see past the MAX_LINE cut. */
const MAX_CARRY = MAX_LINE * 2;

/**
 * Streams a ReadableStream of bytes into the log line by line. Chunks split
 * lines anywhere; a line is appended only once it is complete, so a token
 * split across chunks is redacted whole. A line longer than MAX_CARRY is
 * appended once (the log cuts it) and the rest of it, up to its newline, is
 * dropped — appending the rest as more lines would show fragments of
 * whatever secret sat across the cut, which no rule can recognise.
 */
export async function pipeToLog(stream: ReadableStream<Uint8Array> | null | undefined, log: AgentLog, name: "stdout" | "stderr"): Promise<void> {
  if (!stream) return;
  const decoder = new TextDecoder();
  let carry = "";
  let skipping = false; // inside the dropped rest of an over-long line
  const reader = stream.getReader();
  const take = (text: string) => {
    carry += text;
    const nl = carry.lastIndexOf("\n");
    if (nl >= 0) {
      let complete = carry.slice(0, nl);
      if (skipping) {
        // Its first line is the end of the over-long line.
        const first = complete.indexOf("\n");
        complete = first < 0 ? "" : complete.slice(first + 1);
        skipping = false;
      }
      if (complete) log.append(name, complete);
      carry = carry.slice(nl + 1);
    }
    if (carry.length > MAX_CARRY) {
      if (!skipping) log.append(name, carry);
      skipping = true;
      carry = "";
    }
  };
  try {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      take(decoder.decode(chunk, { stream: true }));
    }
  } catch {
    // stream closed with the process
  }
  take(decoder.decode());
  if (carry && !skipping) log.append(name, carry);
  log.endStream(name);
}
