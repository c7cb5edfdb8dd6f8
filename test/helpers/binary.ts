/**
 * Drives the compiled `dist/opensentience` binary from end-to-end tests.
 *
 *   const bin = await binaryPath();                 // build once per test process if stale
 *   const box = makeSandbox();                      // temp cwd + OPENSENTIENCE_HOME + HOME
 *   const r = await runBinary(["agents", "list", "--json"], { sandbox: box });
 *   expect(r.code).toBe(0); r.json<{ total: number }>();
 *   const d = await startServe({ sandbox: box });   // waits for daemon.json
 *   await d.stop();                                 // SIGTERM, resolves with the exit
 *   box.cleanup();
 *
 * Everything is hermetic: each sandbox has its own data dir, HOME, XDG and mix
 * caches, and an empty cwd, so tests never touch the developer's files and never
 * collide with each other. Waits poll with a deadline (`waitFor`); nothing here
 * sleeps a fixed time to synchronize.
 *
 * `OPENSENTIENCE_BIN=/path/to/binary` pins a prebuilt binary (skips the staleness
 * check and the build).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
export const DEFAULT_BINARY = join(REPO_ROOT, "dist", "opensentience");

/** Inputs of `bun run build`: when any is newer than the binary, it is rebuilt. */
// assets/: the UI's CSS and JS are embedded in the binary too.
const BUILD_INPUTS = ["src", "assets", "migrations", "sdk", "examples", "scripts", "package.json", "bun.lock"];
const NOT_INPUTS = new Set(["_build", "deps", "node_modules", ".elixir_ls"]);

let binaryPromise: Promise<string> | undefined;

/**
 * Path of the binary to test: `$OPENSENTIENCE_BIN`, else `dist/opensentience`,
 * (re)built at most once per test process when missing or older than its sources.
 * The build writes a temp file and renames it, so a concurrent run never sees half a binary.
 */
export function binaryPath(): Promise<string> {
  // A pinned binary is read each time: a bench may pin a wrapper after it built (bench/tool-call-instructions.ts).
  const pinned = process.env.OPENSENTIENCE_BIN;
  if (pinned) return existsSync(pinned) ? Promise.resolve(resolve(pinned)) : Promise.reject(new Error(`OPENSENTIENCE_BIN=${pinned} does not exist`));
  return (binaryPromise ??= (async () => {
    const builtAt = existsSync(DEFAULT_BINARY) ? statSync(DEFAULT_BINARY).mtimeMs : -1;
    if (builtAt >= 0 && newestInput() <= builtAt) return DEFAULT_BINARY;
    const tmp = `${DEFAULT_BINARY}.${process.pid}.tmp`;
    const proc = Bun.spawn([process.execPath, "scripts/build.ts", "--outfile", tmp], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) {
      rmSync(tmp, { force: true });
      throw new Error(`bun run build failed (exit ${code}):\n${out}\n${err}`);
    }
    renameSync(tmp, DEFAULT_BINARY);
    return DEFAULT_BINARY;
  })());
}

function newestInput(): number {
  let newest = 0;
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    newest = Math.max(newest, st.mtimeMs);
    if (!st.isDirectory()) return;
    for (const name of readdirSync(p)) if (!NOT_INPUTS.has(name)) visit(join(p, name));
  };
  for (const rel of BUILD_INPUTS) visit(join(REPO_ROOT, rel));
  return newest;
}

/** A private temp area for one test (or one describe block). */
export interface Sandbox {
  /** Parent directory of everything below. */
  dir: string;
  /** OPENSENTIENCE_HOME (not created: the binary creates it with mode 0700). */
  home: string;
  /** HOME for the child, so `~/Projects` (a default scan root) is empty and private. */
  userHome: string;
  /** An empty working directory for the child. */
  cwd: string;
  /** The environment every run in this sandbox gets (extend per run with `env`). */
  env: Record<string, string>;
  /** `join(dir, ...parts)`. */
  path(...parts: string[]): string;
  /** Reads `<home>/daemon.json`, or null when absent or unparsable. */
  daemonFile(): DaemonInfo | null;
  /** Removes the sandbox. Safe to call twice. */
  cleanup(): void;
}

export interface SandboxOptions {
  prefix?: string;
  /** Sets OPENSENTIENCE_SCAN_ROOTS (colon-joined). Without it the child scans `~/Projects` and `<home>/agents`, both empty. */
  scanRoots?: string[];
  env?: Record<string, string>;
}

export function makeSandbox(opts: SandboxOptions = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? "os-e2e-"));
  const home = join(dir, "home");
  const userHome = join(dir, "user");
  const cwd = join(dir, "cwd");
  const cache = join(dir, "cache");
  for (const d of [userHome, cwd, cache]) mkdirSync(d, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    TZ: "UTC",
    NO_COLOR: "1",
    HOME: userHome,
    OPENSENTIENCE_HOME: home,
    // The first-run example registry is tested on its own (test/e2e/first-run.test.ts).
    OPENSENTIENCE_EXAMPLES: "0",
    XDG_CONFIG_HOME: join(userHome, ".config"),
    XDG_CACHE_HOME: cache,
    XDG_DATA_HOME: join(userHome, ".local/share"),
    MIX_HOME: join(cache, "mix"),
    HEX_HOME: join(cache, "hex"),
    BUN_INSTALL_CACHE_DIR: join(cache, "bun"),
    TMPDIR: tmpdir(),
    ...(opts.scanRoots ? { OPENSENTIENCE_SCAN_ROOTS: opts.scanRoots.join(":") } : {}),
    ...opts.env,
  };
  return {
    dir,
    home,
    userHome,
    cwd,
    env,
    path: (...parts) => join(dir, ...parts),
    daemonFile: () => {
      try {
        return JSON.parse(readFileSync(join(home, "daemon.json"), "utf8")) as DaemonInfo;
      } catch {
        return null;
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An unprivileged identity to run the binary as (see `canDropPrivileges`). */
export interface RunAs {
  uid: number;
  gid: number;
}
export const NOBODY: RunAs = { uid: 65534, gid: 65534 };

/**
 * True when tests can run the binary as another user: we are root and `setpriv`
 * exists. Root ignores file modes, so "unreadable" cases need this.
 */
export function canDropPrivileges(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0 && Bun.which("setpriv") !== null;
}

/**
 * Prepares a sandbox for runs as `who`: the sandbox dir becomes traversable and
 * HOME, cwd and caches become theirs. The data dir is created owned by them with 0700.
 */
export function handSandboxTo(box: Sandbox, who: RunAs = NOBODY): void {
  chmodSync(box.dir, 0o755);
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  for (const d of [box.home, box.userHome, box.cwd, box.path("cache")]) chownTree(d, who);
}

function chownTree(p: string, who: RunAs): void {
  chownSync(p, who.uid, who.gid);
  if (statSync(p).isDirectory()) for (const name of readdirSync(p)) chownTree(join(p, name), who);
}

export interface RunOptions {
  sandbox: Sandbox;
  /** Added to (or, with `undefined` values, removed from) the sandbox environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the child after this long; the result then has `timedOut: true`. Default 15 s. */
  timeoutMs?: number;
  /** Run as another user through `setpriv` (requires `canDropPrivileges()`). */
  as?: RunAs;
  stdin?: string;
}

export interface RunResult {
  args: string[];
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Parses stdout as JSON; throws with the output when it is not. */
  json<T = unknown>(): T;
  /** One line for assertion messages: command, exit and both streams. */
  describe(): string;
}

function childEnv(box: Sandbox, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { ...box.env };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

async function command(args: string[], as?: RunAs): Promise<string[]> {
  const bin = await binaryPath();
  if (!as) return [bin, ...args];
  return ["setpriv", `--reuid=${as.uid}`, `--regid=${as.gid}`, "--clear-groups", "--", bin, ...args];
}

/** Runs the binary to completion and captures everything. Never throws for a non-zero exit. */
export async function runBinary(args: string[], opts: RunOptions): Promise<RunResult> {
  const cmd = await command(args, opts.as);
  const started = performance.now();
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? opts.sandbox.cwd,
    env: childEnv(opts.sandbox, opts.env),
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 15_000);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  const r: RunResult = {
    args,
    code: proc.exitCode,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
    stdout,
    stderr,
    timedOut,
    durationMs: Math.round(performance.now() - started),
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON: ${r.describe()}`);
      }
    },
    describe: () =>
      `opensentience ${args.join(" ")} → exit ${proc.exitCode}${proc.signalCode ? ` (${proc.signalCode})` : ""}${timedOut ? " TIMED OUT" : ""}; ` +
      `stdout: ${JSON.stringify(stdout.slice(0, 2000))}; stderr: ${JSON.stringify(stderr.slice(0, 2000))}`,
  };
  return r;
}

/** Runs the binary and throws (with both streams) unless it exits 0; returns the result. */
export async function runOk(args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await runBinary(args, opts);
  if (r.code !== 0) throw new Error(`expected exit 0: ${r.describe()}`);
  return r;
}

/** `<home>/daemon.json` as the daemon writes it. */
export interface DaemonInfo {
  url: string;
  pid: number;
  nonce: string;
  started_at: string;
  version?: string;
}

export interface ServeHandle {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  /** The daemon.json the daemon wrote once ready. */
  info: DaemonInfo;
  /** Everything the daemon wrote to stderr so far (its log). */
  stderr(): string;
  /** Resolves with the exit code once the process ends and its stderr is drained (null if killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILLs after `timeoutMs` and throws. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface ServeOptions {
  sandbox: Sandbox;
  /** Extra arguments after `serve`. `--port 0` is added unless a `--port` is given. */
  args?: string[];
  env?: Record<string, string | undefined>;
  as?: RunAs;
  /** How long to wait for daemon.json. Default 15 s. */
  readyTimeoutMs?: number;
}

const running = new Set<ServeHandle>();

/**
 * Starts `opensentience serve` in the background and resolves once `daemon.json`
 * names this process (ready). Rejects with the daemon's stderr if it exits first
 * or is not ready in time. Always `stop()` it (or call `stopAllDaemons` in afterAll).
 */
export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const extra = opts.args ?? [];
  const args = ["serve", ...(extra.includes("--port") ? [] : ["--port", "0"]), ...extra];
  const cmd = await command(args, opts.as);
  const proc = Bun.spawn(cmd, {
    cwd: opts.sandbox.cwd,
    env: childEnv(opts.sandbox, opts.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, sink: (s: string) => void) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      sink(decoder.decode(value, { stream: true }));
    }
  };
  const stderrDone = drain(proc.stderr, (s) => (err += s));
  void drain(proc.stdout, () => {});
  let exitCode: number | null | undefined;
  // Settles once stderr is drained too, so the log is complete; bounded in case an orphaned
  // grandchild still holds the pipe open after the daemon itself exited.
  const exited = proc.exited
    .then(() => Promise.race([stderrDone.catch(() => {}), Bun.sleep(2000)]))
    .then(() => (exitCode = proc.exitCode));
  const handle: ServeHandle = {
    proc,
    pid: proc.pid,
    info: undefined as unknown as DaemonInfo,
    stderr: () => err,
    exited,
    async stop(signal = "SIGTERM", timeoutMs = 10_000) {
      if (exitCode === undefined) proc.kill(signal);
      const timeout = new Promise<"timeout">((r) => setTimeout(r, timeoutMs, "timeout").unref?.());
      const r = await Promise.race([exited, timeout]);
      running.delete(handle);
      if (r === "timeout") {
        proc.kill("SIGKILL");
        throw new Error(`daemon did not exit within ${timeoutMs} ms of ${signal}; stderr: ${err}`);
      }
      return r;
    },
  };
  running.add(handle);
  try {
    handle.info = await waitFor(
      () => {
        if (exitCode !== undefined) throw new Error(`serve exited with ${exitCode} before it was ready; stderr: ${err}`);
        const info = opts.sandbox.daemonFile();
        // With setpriv the child's pid is the daemon's: setpriv execs it.
        return info && info.pid === proc.pid ? info : null;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 15_000, what: "daemon.json from serve" },
    );
  } catch (e) {
    await handle.stop("SIGKILL").catch(() => {});
    throw e;
  }
  return handle;
}

/** Stops every daemon started by `startServe` that is still running (for afterAll). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...running].map((h) => h.stop("SIGKILL").catch(() => {})));
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Polls `probe` until it returns a truthy value (returned) or throws (propagated);
 * fails after `timeoutMs` (default 10 s) naming `what` and the last value seen.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = performance.now() + (opts.timeoutMs ?? 10_000);
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? "condition"} (last: ${JSON.stringify(last)?.slice(0, 500)})`);
    }
    await Bun.sleep(opts.intervalMs ?? 25);
  }
}
