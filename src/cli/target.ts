/**
 * One writer per data directory. While a daemon runs it owns all state: every
 * CLI command goes through its API (so the UI hears of every change, running
 * agents are stopped by the same kill switch, and the audit actor is still
 * `cli`). With no daemon a command works on the data directory itself, and a
 * writing command first takes the daemon's own lock: a daemon starting
 * meanwhile waits for it, and a second writing command waits too. Reading
 * commands with no daemon read the data directory without the lock.
 */
import { DaemonClient } from "../client/daemon-client.ts";
import type { Config } from "../core/config/load.ts";
import { AppError } from "../core/errors.ts";
import type { Services } from "../core/services.ts";
import { readDaemonFile } from "../daemon/daemon-file.ts";
import { acquireLockWaiting, describeHolder, type Lock } from "../daemon/lock.ts";
import { examplesPending } from "../core/first-run/pending.ts";

export type Target = { kind: "daemon"; client: DaemonClient } | { kind: "local"; services: Services };

/** How long a writing command waits for another one (or a starting daemon) before giving up. */
const LOCK_WAIT_MS = 60_000;

export class TargetResolver {
  private services: Services | undefined;
  private lock: Lock | null = null;
  private client: DaemonClient | null | undefined;

  constructor(
    private readonly config: Config,
    private readonly env: Record<string, string | undefined>,
    private readonly command: string,
    private readonly note: (line: string) => void,
  ) {}

  daemon(): DaemonClient {
    const c = (this.client ??= DaemonClient.tryConnect(this.config, this.env));
    if (!c) throw new AppError("daemon_not_running", `the daemon is not running for ${this.config.paths.home}; start it with: opensentience serve`);
    return c;
  }

  async resolve(opts: { write: boolean }): Promise<Target> {
    if (this.services) return { kind: "local", services: this.services };
    const client = (this.client ??= DaemonClient.tryConnect(this.config, this.env));
    if (client) return { kind: "daemon", client };
    // A fresh data directory gets the daemon's first-run setup (examples registry) from whichever comes first.
    const seed = await examplesPending(this.config);
    if (opts.write || seed) {
      // A daemon that holds the lock but has not written its daemon file yet is starting: talk to it once it is up.
      this.lock = await acquireLockWaiting(this.config.paths.lockFile, `cli: ${this.command}`, {
        waitMs: LOCK_WAIT_MS,
        onWait: (h) => this.note(`opensentience: waiting for ${describeHolder(h)}…`),
        giveUp: (h) => h.holder === "daemon" && readDaemonFile(this.config.paths.daemonFile) !== null,
      });
      if (!this.lock) return { kind: "daemon", client: this.daemon() };
    }
    // Loaded only here: the services (drizzle, installer, runtime, …) are most of what a command through the
    // daemon would otherwise pay to start (issue 13, CLI start).
    const [{ createServices }, { recoverOrphans }, { RunLedger }] = await Promise.all([
      import("../core/services.ts"),
      import("../core/runtime/orphan-recovery.ts"),
      import("../core/runtime/run-ledger.ts"),
    ]);
    this.services = createServices(this.config);
    // With the lock held no daemon is alive, so any agent process still recorded
    // as running is an orphan of one that died: end it before this command
    // changes what it runs on (uninstall must never delete a live process's files).
    if (opts.write) recoverOrphans(new RunLedger(this.services.store.db), this.services.audit);
    if (seed) {
      await this.seed(this.services);
      // A reading command took the lock only for the setup.
      if (!opts.write) {
        this.lock?.release();
        this.lock = null;
      }
    }
    return { kind: "local", services: this.services };
  }

  /** The same first-use setup the daemon does at start (core/first-run), said in a line or two on stderr. */
  private async seed(services: Services): Promise<void> {
    const { seedFirstRun, EXAMPLES_REGISTRY } = await import("../core/first-run/example-registry.ts");
    const first = await seedFirstRun(services);
    for (const p of first.configured.problems) this.note(`opensentience: registry ${p.name} from config.json: ${p.message}`);
    if (first.examples?.created) this.note(`opensentience: first run: example agents published in the local registry '${EXAMPLES_REGISTRY}' (${first.examples.agents.join(", ")})`);
    if (first.examplesError) this.note(`opensentience: could not create the example registry: ${first.examplesError}`);
  }

  dispose(): void {
    this.services?.close();
    this.services = undefined;
    this.lock?.release();
    this.lock = null;
  }
}
