/**
 * Runs a child process with a deadline, in its own process group, stdin closed.
 * On expiry the whole tree is frozen (SIGSTOP), re-scanned until stable and then
 * killed (SIGKILL): the group plus every descendant found in /proc, because
 * programs the BEAM starts as ports live in other process groups. After a normal
 * exit the group is killed too, so nothing started by the child outlives the call.
 * Used for git and for builds (`mix deps.get`, `mix compile`).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Written to stdin, which is then closed; stdin is /dev/null otherwise. */
  input?: string;
  /** Called for each complete output line (stdout and stderr), e.g. for a build log. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Bytes of stdout kept in the result; the rest is dropped. */
  maxStdoutBytes?: number;
  /**
   * Streams stdout to this callback instead of keeping it (the result's stdout
   * is then empty): for output too large to hold, e.g. `git cat-file --batch`.
   */
  onStdout?: (chunk: Uint8Array) => void;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: Uint8Array;
  stdoutTruncated: boolean;
  /** Last 64 KiB of stderr. */
  stderr: string;
  durationMs: number;
}

const STDERR_KEEP = 65_536;

/** Process groups started by runBounded and not finished yet. */
const active = new Set<number>();

/**
 * Kills every child tree still running (git, mix). Adapters call this when they
 * are interrupted (CLI on SIGINT/SIGTERM/SIGHUP, daemon on shutdown): children
 * run in their own session, so a terminal's Ctrl-C never reaches them.
 */
export function killAllActive(): void {
  for (const pid of active) killTree(pid);
}

/** Runs `cmd` (argv, no shell) to completion or deadline. Never rejects for a non-zero exit. */
export async function runBounded(cmd: string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.input === undefined ? "ignore" : "pipe",
    stdout: "pipe",
    stderr: "pipe",
    detached: true, // setsid: the child leads a new process group we can kill as a whole
  });
  active.add(proc.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(proc.pid);
  }, opts.timeoutMs);

  const maxOut = opts.maxStdoutBytes ?? 64 * 1024 * 1024;
  const outChunks: Uint8Array[] = [];
  let outBytes = 0;
  let stdoutTruncated = false;
  let stderrText = "";
  const lineSplitter = (stream: "stdout" | "stderr") => {
    let pending = "";
    const dec = new TextDecoder();
    return {
      push(chunk: Uint8Array) {
        if (!opts.onLine) return;
        pending += dec.decode(chunk, { stream: true });
        let nl = pending.indexOf("\n");
        while (nl >= 0) {
          opts.onLine(pending.slice(0, nl).replace(/\r$/, ""), stream);
          pending = pending.slice(nl + 1);
          nl = pending.indexOf("\n");
        }
        if (pending.length > 65_536) {
          opts.onLine(pending, stream);
          pending = "";
        }
      },
      flush() {
        if (opts.onLine && pending) opts.onLine(pending, stream);
        pending = "";
      },
    };
  };
  const outLines = lineSplitter("stdout");
  const errLines = lineSplitter("stderr");
  const errDec = new TextDecoder();

  const pump = async (stream: ReadableStream<Uint8Array>, onChunk: (c: Uint8Array) => void) => {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        onChunk(value);
      }
    } catch {
      // Stream torn down by a kill: what we have is what we report.
    }
  };
  const pumps = Promise.all([
    pump(proc.stdout, (c) => {
      outLines.push(c);
      if (opts.onStdout) opts.onStdout(c);
      else if (outBytes + c.byteLength <= maxOut) {
        outChunks.push(c);
        outBytes += c.byteLength;
      } else stdoutTruncated = true;
    }),
    pump(proc.stderr, (c) => {
      errLines.push(c);
      stderrText += errDec.decode(c, { stream: true });
      if (stderrText.length > STDERR_KEEP * 2) stderrText = stderrText.slice(-STDERR_KEEP);
    }),
  ]);

  // Input is written while stdout is already being read: a child that answers as
  // it reads (git cat-file --batch) can never block on a full pipe against us.
  if (opts.input !== undefined && proc.stdin) {
    try {
      proc.stdin.write(opts.input);
      await proc.stdin.end();
    } catch {
      // The child may exit before reading its input; its exit status tells the story.
    }
  }

  await proc.exited;
  clearTimeout(timer);
  // Anything the child left behind in its group (or below it) goes too.
  killTree(proc.pid);
  active.delete(proc.pid);
  // Pipes close once every holder is gone; do not wait forever for a stray holder
  // (and clear the timer, or it would keep a CLI process alive for its duration).
  let grace: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([pumps, new Promise<void>((r) => (grace = setTimeout(r, 2000)))]);
  clearTimeout(grace);
  outLines.flush();
  errLines.flush();

  const stdout = new Uint8Array(outBytes);
  let off = 0;
  for (const c of outChunks) {
    stdout.set(c, off);
    off += c.byteLength;
  }
  return {
    exitCode: proc.exitCode,
    signal: proc.signalCode == null ? null : String(proc.signalCode),
    timedOut,
    stdout,
    stdoutTruncated,
    stderr: stderrText.slice(-STDERR_KEEP),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Parent pid of every process, read from /proc (empty map where /proc is absent). */
function processTable(): Map<number, { ppid: number; pgid: number }> {
  const table = new Map<number, { ppid: number; pgid: number }>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      // Fields after the parenthesised command name: state ppid pgrp …
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(e), { ppid: Number(rest[1]), pgid: Number(rest[2]) });
    } catch {
      // Process exited while we looked.
    }
  }
  return table;
}

/** Pids of the group led by `root` and of every descendant of `root`, excluding us. */
export function treeOf(root: number): number[] {
  const table = processTable();
  const found = new Set<number>();
  if (table.has(root)) found.add(root);
  for (const [pid, p] of table) if (p.pgid === root) found.add(pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of table) {
      if (!found.has(pid) && found.has(p.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(process.pid);
  return [...found];
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone.
  }
};

/**
 * Kills `root`'s process group and every descendant. Freezes first and re-scans
 * until no new process appears, so a forking tree cannot outrun the kill.
 */
export function killTree(root: number): void {
  const frozen = new Set<number>();
  for (let round = 0; round < 8; round++) {
    const pids = treeOf(root).filter((p) => !frozen.has(p));
    if (pids.length === 0) break;
    for (const p of pids) {
      signal(p, "SIGSTOP");
      frozen.add(p);
    }
  }
  signal(-root, "SIGKILL");
  for (const p of frozen) signal(p, "SIGKILL");
  // Frozen-then-killed processes die without needing SIGCONT; send it anyway for odd kernels.
  for (const p of frozen) signal(p, "SIGCONT");
}
