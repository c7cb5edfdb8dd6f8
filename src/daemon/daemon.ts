/**
 * The daemon: owns live state. Start order: lock → services → discovery →
 * watcher → servers → daemon file. Stop is the reverse, idempotent.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Config } from "../core/config/load.ts";
import { EXAMPLES_REGISTRY, seedFirstRun } from "../core/first-run/example-registry.ts";
import { killAllActive } from "../core/git/process.ts";
import { Runtime } from "../core/runtime/runtime.ts";
import { checkAuditChainAtStart } from "../core/audit/start-check.ts";
import { createServices, type Services } from "../core/services.ts";
import { VERSION } from "../version.ts";
import { removeDaemonFile, writeDaemonFile } from "./daemon-file.ts";
import { acquireLockWaiting, describeHolder, type Lock, type LockHolder } from "./lock.ts";
import { AppError } from "../core/errors.ts";
import { watchManifests } from "./manifest-watcher.ts";
import { sandboxSupport } from "../core/sandbox/probe.ts";

export interface DaemonLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface DaemonOptions {
  config: Config;
  log: DaemonLog;
  /** Extra components started after services (HTTP server, agent hub …); stopped in reverse order. */
  components?: Array<(d: DaemonContext) => Promise<Component> | Component>;
}

export interface Component {
  name: string;
  /** The URL clients use, for the component that serves HTTP. */
  url?: string;
  /** The local API socket, when the HTTP component listens on one. */
  socket?: string;
  stop(): Promise<void> | void;
}

export interface DaemonContext {
  config: Config;
  services: Services;
  /** Live agent processes, the hub socket and the tool router. */
  runtime: Runtime;
  log: DaemonLog;
  /** Random per-start value; lets clients tell one daemon run from the next. */
  nonce: string;
}

export interface Daemon extends DaemonContext {
  url: string | null;
  stop(reason?: string): Promise<void>;
  stopped: Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { config, log } = opts;
  mkdirSync(config.paths.runDir, { recursive: true, mode: 0o700 });
  // A CLI command writing with no daemon holds the lock until it is done (an
  // install may build for minutes): wait for it rather than fail a service start.
  let other: LockHolder | undefined;
  const lock: Lock | null = await acquireLockWaiting(config.paths.lockFile, "daemon", {
    waitMs: config.limits.build_timeout_ms + 120_000,
    onWait: (h) => log.info(`waiting for ${describeHolder(h)} to finish before starting`),
    giveUp: (h) => (other = h).holder === "daemon",
  });
  if (!lock) throw new AppError("already_running", `another opensentience daemon is running (pid ${other?.pid}); stop it first or use its URL from 'opensentience token'`);
  const components: Component[] = [];
  let services: Services | undefined;
  const nonce = randomBytes(16).toString("hex");
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;

  const stop = (reason = "stop"): Promise<void> =>
    (stopping ??= (async () => {
      log.info(`shutting down (${reason})`);
      removeDaemonFile(config.paths.daemonFile, nonce);
      for (const c of components.reverse()) {
        try {
          await c.stop();
        } catch (e) {
          log.warn(`stopping ${c.name}: ${(e as Error).message}`);
        }
      }
      // git/mix processes of an install or sync in flight must not outlive the daemon.
      killAllActive();
      services?.audit.record({ actor: "system", action: "daemon.stop", outcome: "ok", details: { reason } });
      services?.close();
      lock.release();
      resolveStopped();
    })());

  try {
    services = createServices(config);
    services.audit.record({ actor: "system", action: "daemon.start", outcome: "ok", details: { pid: process.pid, version: VERSION } });
    // The newest audit rows' hash chain (bounded), then retention on its timer (docs/audit-log.md).
    checkAuditChainAtStart(services.audit, (line) => log.warn(line));
    const retention = services.retention;
    retention.start();
    components.push({ name: "retention", stop: () => retention.stop() });
    // The runtime starts first (it kills orphans of a crashed daemon) and stops last.
    const runtime = new Runtime(services);
    await runtime.start();
    components.push({ name: "agent runtime", stop: () => runtime.stop() });
    // Agents whose run intent survived the last daemon come back — after the orphan sweep above, staggered, and
    // not awaited: a slow agent build must not keep the daemon from becoming reachable.
    void runtime.autostart().then((r) => {
      if (r.started.length + r.failed.length + r.skipped.length === 0) return;
      log.info(`autostart: ${r.started.length} started, ${r.failed.length} failed, ${r.skipped.length} skipped in ${r.durationMs} ms`);
      for (const f of r.failed) log.warn(`autostart ${f.agentId}: ${f.error}`);
    });
    const ctx: DaemonContext = { config, services, runtime, log, nonce };
    const sandbox = sandboxSupport();
    if (config.sandbox === "off") log.warn("sandbox: off (config.json) — agents run with your user's full access; their filesystem, network and process permissions are NOT enforced");
    else if (!sandbox.available) {
      log.warn(
        config.sandbox === "required"
          ? `sandbox: required, but unavailable (${sandbox.reason}) — no agent will start or build until it works (opensentience doctor)`
          : `sandbox: UNAVAILABLE (${sandbox.reason}) — agents run with your user's full access; their filesystem, network and process permissions are NOT enforced (opensentience doctor)`,
      );
    } else log.info(`sandbox: ${config.sandbox} (bubblewrap ${sandbox.bwrapVersion ?? "?"}, Landlock ABI ${sandbox.landlockAbi || "none"})`);
    // The same first-use setup the CLI does when it runs first (core/first-run).
    const first = await seedFirstRun(services);
    for (const p of first.configured.problems) log.warn(`registry ${p.name} from config.json: ${p.message}`);
    if (first.examples?.created) log.info(`first run: example agents published in the local registry '${EXAMPLES_REGISTRY}' (${first.examples.agents.join(", ")})`);
    if (first.examplesError) log.warn(`could not create the example registry: ${first.examplesError}`);
    const report = services.discovery.run({ actor: "system" });
    log.info(`discovery: ${report.found} manifests (${report.invalid.length} invalid) in ${report.roots.length} roots, ${report.durationMs} ms`);
    const s = services;
    let running = false;
    const watcher = watchManifests({
      roots: config.scanRoots,
      onChange: () => {
        if (running) return;
        running = true;
        try {
          const r = s.discovery.run({ actor: "system", quietWhenUnchanged: true });
          if (r.added.length || r.updated.length || r.missing.length) {
            log.info(`rescan: ${r.added.length} new, ${r.updated.length} updated, ${r.missing.length} missing`);
            s.events.emit({ type: "catalog.changed", reason: "discovery" });
          }
        } catch (e) {
          log.warn(`rescan failed: ${(e as Error).message}`);
        } finally {
          running = false;
        }
      },
      onError: (m) => log.warn(m),
    });
    components.push({ name: "manifest watcher", stop: () => watcher.close() });
    let url: string | null = null;
    let socket: string | undefined;
    for (const make of opts.components ?? []) {
      const c = await make(ctx);
      components.push(c);
      if (c.url) url = c.url;
      if (c.socket) socket = c.socket;
    }
    writeDaemonFile(config.paths.daemonFile, {
      url: url ?? `http://${config.host}:${config.port}`,
      ...(socket ? { socket } : {}),
      pid: process.pid,
      nonce,
      started_at: new Date().toISOString(),
      version: VERSION,
    });
    return { ...ctx, url, stop, stopped };
  } catch (e) {
    await stop("start failed");
    throw e;
  }
}
