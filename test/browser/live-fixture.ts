/**
 * The environment of the live UI browser tests (chat, live status, logs): the
 * COMPILED binary in a temp home, the real Elixir example agents published in
 * a local file:// git registry and installed/enabled with the CLI exactly as a
 * user would (`registry add/sync`, `agents install --yes`, `agents enable
 * --approve-all`), then `serve`. Built once per test file (each file calls
 * `liveEnv` in its beforeAll).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { binaryPath, makeSandbox, runOk, type RunResult, type Sandbox, type ServeHandle, startServe, waitFor } from "../helpers/binary.ts";
import { publishExamples } from "../helpers/git-fixtures.ts";

export const ECHO = "com.opensentience.examples.echo";
export const INVOKER = "com.opensentience.examples.invoker";
export const ASSISTANT = "com.opensentience.examples.assistant";
const REPO = resolve(import.meta.dir, "../..");

export interface LiveEnv {
  box: Sandbox;
  daemon: ServeHandle;
  url: string;
  port: number;
  token: string;
  loginUrl: string;
  run(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Authenticated JSON API call (admin token). */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  status(agentId: string): Promise<{ state: string; pid: number | null; restarts: number; healthy: boolean }>;
  /** Stops the daemon and starts it again on the same port (same home, same token). */
  restartDaemon(): Promise<void>;
  close(): Promise<void>;
}

export interface LiveEnvOptions {
  prefix: string;
  /** Published in the registry. */
  publish: string[];
  /** Installed and enabled (a subset of `publish`). */
  install: string[];
  /** Of those, the ones enabled with every permission approved (default: all of `install`). */
  enable?: string[];
  /** Started once the daemon runs. */
  run?: string[];
}

export async function liveEnv(o: LiveEnvOptions): Promise<LiveEnv> {
  await binaryPath();
  const box = makeSandbox({ prefix: o.prefix, env: { OPENSENTIENCE_SDK_PATH: join(REPO, "sdk/elixir") } });
  mkdirSync(box.home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(box.home, "config.json"),
    JSON.stringify({ scan_roots: [], limits: { restart_base_delay_ms: 1500, restart_max_delay_ms: 4000, heartbeat_interval_ms: 1000, shutdown_grace_ms: 2000 } }),
  );
  const run = (args: string[], timeoutMs = 60_000) => runOk(args, { sandbox: box, timeoutMs });
  const reg = publishExamples(box.dir, o.publish);
  await run(["registry", "add", "local", reg.url]);
  await run(["registry", "sync"]);
  for (const id of o.install) {
    await run(["agents", "install", id, "--yes"], 240_000);
    if (!o.enable || o.enable.includes(id)) await run(["agents", "enable", id, "--approve-all"]);
  }
  let daemon = await startServe({ sandbox: box });
  const url = daemon.info.url;
  const port = Number(new URL(url).port);
  const token = readFileSync(join(box.home, "admin.token"), "utf8").trim();
  const api = async <T,>(path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const env: LiveEnv = {
    box,
    get daemon() {
      return daemon;
    },
    url,
    port,
    token,
    loginUrl: `${url}/login?token=${token}`,
    run,
    api,
    async status(agentId) {
      const r = await api<{ state: string; pid: number | null; restarts: number; healthy: boolean }>(`/api/v1/agents/${agentId}/status`);
      return r.body;
    },
    async restartDaemon() {
      await daemon.stop("SIGTERM");
      daemon = await startServe({ sandbox: box, args: ["--port", String(port)] });
    },
    async close() {
      await daemon.stop("SIGTERM").catch(() => {});
      box.cleanup();
    },
  };
  for (const id of o.run ?? []) {
    const r = await api<{ state: string }>(`/api/v1/agents/${id}/run`, { method: "POST", body: {} });
    if (r.status !== 200 || r.body.state !== "running") throw new Error(`could not run ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return env;
}

/** Waits until an agent reaches `state` (through the API). */
export async function waitState(env: LiveEnv, agentId: string, state: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const s = await env.status(agentId);
    return s.state === state ? s : null;
  }, { timeoutMs, what: `${agentId} to be ${state}` });
}

/** Fails the page on any JS dialog (alert/confirm/prompt): the UI must never use them, and injected script must never run. */
export function forbidDialogs(page: Page, seen: string[]): void {
  page.on("dialog", (d) => {
    seen.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}
