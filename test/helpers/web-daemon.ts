/**
 * Runs the COMPILED binary (`dist/opensentience`, see ensureBinary) as a daemon on `--port 0` in a
 * temp home, and waits for readiness by events: the login line on stderr, then
 * the daemon file and an authenticated health check. No fixed sleeps.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { binaryPath, DEFAULT_BINARY } from "./binary.ts";

const ROOT = resolve(import.meta.dir, "../..");
let built: Promise<string> | undefined;

/** Newest mtime under assets/ (embedded into the binary, so also a build input). */
function newestAsset(): number {
  return Math.max(0, ...[...new Bun.Glob("**/*").scanSync({ cwd: join(ROOT, "assets") })].map((f) => statSync(join(ROOT, "assets", f)).mtimeMs));
}

/**
 * The compiled binary, via the shared `binaryPath()` (built at most once per
 * test process when stale, `$OPENSENTIENCE_BIN` pins one). Assets are embedded
 * too, so a newer asset forces the same atomic rebuild first.
 */
export function ensureBinary(): Promise<string> {
  return (built ??= (async () => {
    if (!process.env.OPENSENTIENCE_BIN && existsSync(DEFAULT_BINARY) && newestAsset() > statSync(DEFAULT_BINARY).mtimeMs) {
      const tmp = `${DEFAULT_BINARY}.${process.pid}.assets.tmp`;
      const p = Bun.spawn([process.execPath, "scripts/build.ts", "--outfile", tmp], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      if ((await p.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(p.stderr).text()}`);
      renameSync(tmp, DEFAULT_BINARY);
    }
    return binaryPath();
  })());
}

export interface TempHome {
  dir: string;
  home: string;
  roots: string;
  env: Record<string, string>;
  cleanup(): void;
}

/** A hermetic data directory (0700) plus one scan root, with tool caches kept out of HOME. */
export function tempHome(): TempHome {
  const dir = mkdtempSync(join(tmpdir(), "os-web-"));
  const home = join(dir, "home");
  const roots = join(dir, "roots");
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(roots);
  chmodSync(home, 0o700);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    OPENSENTIENCE_HOME: home,
    // The first-run example registry is tested on its own (test/e2e/first-run.test.ts).
    OPENSENTIENCE_EXAMPLES: "0",
    OPENSENTIENCE_SCAN_ROOTS: roots,
    XDG_CONFIG_HOME: join(dir, "xdg-config"),
    XDG_CACHE_HOME: join(dir, "xdg-cache"),
  };
  return { dir, home, roots, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an agent manifest under the scan root; `fields` override the defaults. */
export function writeAgent(roots: string, dirName: string, fields: Record<string, unknown>): string {
  const dir = join(roots, dirName);
  mkdirSync(dir, { recursive: true });
  const manifest = { manifest_version: 1, id: `com.example.${dirName.replace(/[^a-z0-9_]/g, "_")}`, name: dirName, version: "1.0.0", ...fields };
  writeFileSync(join(dir, "opensentience.agent.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

export interface RunningDaemon {
  url: string;
  port: number;
  token: string;
  loginUrl: string;
  home: TempHome;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
  /** Authenticated API call with the admin token. */
  api(path: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

/** Reads a stream into `sink` (to the end, in the background) and resolves once `pattern` shows up, or null at EOF. */
function watchStream(stream: ReadableStream<Uint8Array>, sink: { text: string }, pattern: RegExp): Promise<RegExpMatchArray | null> {
  return new Promise((resolve) => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let found = false;
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        sink.text += decoder.decode(value, { stream: true });
        const m = found ? null : sink.text.match(pattern);
        if (m) {
          found = true;
          resolve(m);
        }
      }
      if (!found) resolve(null);
    })().catch(() => resolve(null));
  });
}

export async function startWebDaemon(opts: { home?: TempHome; env?: Record<string, string>; args?: string[] } = {}): Promise<RunningDaemon> {
  const bin = await ensureBinary();
  const home = opts.home ?? tempHome();
  const proc = Bun.spawn([bin, "serve", "--port", "0", ...(opts.args ?? [])], { env: { ...home.env, ...opts.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const err = { text: "" };
  void new Response(proc.stdout).text();
  const match = await Promise.race([
    // stderr is a pipe here, so serve prints no token-bearing link: wait for the URL line instead.
    watchStream(proc.stderr, err, /Open the admin UI at (http:\/\/\S+)/),
    proc.exited.then(() => null),
  ]);
  if (!match) throw new Error(`daemon did not start (exit ${proc.exitCode}):\n${err.text}`);
  const info = JSON.parse(readFileSync(join(home.home, "daemon.json"), "utf8")) as { url: string };
  const url = info.url;
  const token = opts.env?.OPENSENTIENCE_ADMIN_TOKEN ?? readFileSync(join(home.home, "admin.token"), "utf8").trim();
  const loginUrl = `${url}/login?token=${encodeURIComponent(token)}`;
  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    fetch(`${url}${path}`, { ...init, redirect: "manual", headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const health = await api("/api/v1/health");
  if (health.status !== 200) throw new Error(`daemon not healthy: ${health.status} ${await health.text()}`);
  return {
    url,
    port: Number(new URL(url).port),
    token,
    loginUrl,
    home,
    proc,
    stderr: () => err.text,
    api,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      if (!opts.home) home.cleanup();
    },
  };
}

/** Runs the binary to completion (for commands and refused starts). */
export async function runBinary(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = await ensureBinary();
  const p = Bun.spawn([bin, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

export interface HttpSession {
  /** `name=value` for a Cookie header. */
  cookie: string;
  csrf: string;
}

/** Logs in through the login link like a browser would and returns the session cookie and its CSRF token. */
export async function loginOverHttp(d: Pick<RunningDaemon, "url" | "port" | "loginUrl">): Promise<HttpSession> {
  const res = await fetch(d.loginUrl, { redirect: "manual", headers: { "sec-fetch-site": "none" } });
  if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`os_session_${d.port}=`));
  if (!setCookie) throw new Error("no session cookie");
  const cookie = setCookie.split(";")[0]!;
  const page = await (await fetch(`${d.url}/agents`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([0-9a-f]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error("no csrf meta on the agents page");
  return { cookie, csrf };
}

/** Audit events as the API returns them (newest first). */
export async function auditEvents(d: RunningDaemon): Promise<Array<{ id: number; actor: string; action: string; outcome: string; details: Record<string, unknown> }>> {
  const r = await d.api("/api/v1/audit?limit=1000");
  return ((await r.json()) as { events: Array<{ id: number; actor: string; action: string; outcome: string; details: Record<string, unknown> }> }).events;
}
