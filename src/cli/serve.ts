import { AppError } from "../core/errors.ts";
import { ADMIN_TOKEN_ENV, AdminToken, loginUrl } from "../api/auth/admin-token.ts";
import { startDaemon } from "../daemon/daemon.ts";
import { markNonDumpable } from "../daemon/harden-process.ts";
import { httpServer } from "../daemon/http-server.ts";
import { type Command, intOption, stringOption } from "./command.ts";

export const serve: Command = {
  path: ["serve"],
  summary: "Run the daemon (catalog, discovery, agent runtime, web UI on 127.0.0.1:6767)",
  usage: "[--port N] [--host H] [--allow-remote]",
  options: { port: { type: "string", description: "TCP port for the web UI and API (default 6767)" }, host: { type: "string", description: "Address to listen on (default 127.0.0.1)" }, "allow-remote": { type: "boolean", description: "Allow listening on a non-loopback address" } },
  async run(ctx) {
    // First: from here on no other process of this user can read our environment (which still
    // holds OPENSENTIENCE_ADMIN_TOKEN in /proc/<pid>/environ) or memory. See harden-process.ts.
    const hardening = markNonDumpable();
    const config = ctx.config();
    const port = intOption(ctx.values, "port", 0, 65535);
    if (port !== undefined) config.port = port;
    const host = stringOption(ctx.values, "host");
    if (host !== undefined) config.host = host;
    if (!isLoopback(config.host) && ctx.values["allow-remote"] !== true) {
      throw new AppError("usage", `refusing to listen on ${config.host}: only loopback is safe; pass --allow-remote to override`);
    }
    const log = {
      info: (m: string) => ctx.io.err(`[opensentience] ${m}`),
      warn: (m: string) => ctx.io.err(`[opensentience] warning: ${m}`),
    };
    if (!isLoopback(config.host)) log.warn(`listening on ${config.host}: anyone who can reach this address can try to log in`);
    if (!hardening.applied) {
      if (process.platform === "linux") log.warn(hardening.note);
      else if (ctx.env.OPENSENTIENCE_DEBUG) log.info(hardening.note);
    }
    // Before anything starts: a refused token file (symlink, mode 0644 …) must leave no trace.
    const token = AdminToken.load(config.paths.adminToken, ctx.env);
    // Nothing the daemon spawns may inherit it. (The kernel's copy in /proc/<pid>/environ stays:
    // that is what being non-dumpable protects.)
    delete process.env[ADMIN_TOKEN_ENV];
    const daemon = await startDaemon({ config, log, components: [httpServer({ token })] });
    const onSignal = (sig: string) => void daemon.stop(sig);
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    log.info(`ready (pid ${process.pid}, home ${config.paths.home})`);
    // The login URL carries the admin token: only ever to a terminal, never to a pipe or a
    // log file (under systemd/launchd stderr is a file). Elsewhere `opensentience token` prints it.
    if (daemon.url) {
      if (process.stderr.isTTY) ctx.io.err(`Open the admin UI: ${loginUrl(daemon.url, token.reveal())}`);
      else ctx.io.err(`Open the admin UI at ${daemon.url} (login link: run 'opensentience token')`);
    }
    await daemon.stopped;
    return 0;
  },
};

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "[::1]" || host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
