/**
 * `opensentience token [--rotate]`: prints the admin UI login URL.
 *
 * Rotation: when a daemon is running it owns the token, so the CLI asks it
 * (POST /api/v1/auth/rotate-token with the current token): the daemon writes
 * the new file atomically, ends every browser session and audits it. With no
 * daemon the CLI rotates the file itself and audits locally.
 */
import { AppError } from "../core/errors.ts";
import { ADMIN_TOKEN_ENV, AdminToken, loginUrl, readTokenFile } from "../api/auth/admin-token.ts";
import { DaemonClient } from "../client/daemon-client.ts";
import { readDaemonFile } from "../daemon/daemon-file.ts";
import type { Command } from "./command.ts";
import { keyValues, printJson } from "./output.ts";

export const token: Command = {
  path: ["token"],
  summary: "Print the admin UI login URL (--rotate: replace the token and log out every browser)",
  usage: "[--rotate]",
  options: { rotate: { type: "boolean", description: "Replace the token and log out every browser" } },
  async run(ctx) {
    const config = ctx.config();
    const running = readDaemonFile(config.paths.daemonFile);
    const rotate = ctx.values.rotate === true;
    if (rotate && ctx.env[ADMIN_TOKEN_ENV] !== undefined) {
      throw new AppError("usage", `the admin token comes from ${ADMIN_TOKEN_ENV}; change that variable (and restart the daemon) instead of --rotate`);
    }
    let sessionsRevoked: number | null = null;
    if (running) {
      // The daemon owns the token: it rotates it. Then the token this command would print is shown to the daemon
      // over TCP, as a browser will present it — the CLI's own socket needs no token, so it would prove nothing —
      // and never created here (a daemon running with the token in its environment has no file).
      if (rotate) sessionsRevoked = (await ctx.daemon().rotateToken()).sessions_revoked;
      await new DaemonClient(running.url, ctx.env[ADMIN_TOKEN_ENV] ?? readTokenFile(config.paths.adminToken)).health();
    } else if (rotate) {
      const t = await ctx.target({ write: true });
      if (t.kind === "daemon") sessionsRevoked = (await t.client.rotateToken()).sessions_revoked; // a daemon started meanwhile
      else {
        AdminToken.load(config.paths.adminToken, ctx.env).rotate();
        t.services.audit.record({ actor: "cli", action: "auth.token_rotate", outcome: "ok", details: { daemon_running: false } });
      }
    }
    const current = AdminToken.load(config.paths.adminToken, ctx.env);
    const base = running?.url ?? `http://${config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host}:${config.port}`;
    const url = loginUrl(base, current.reveal());
    if (ctx.json) {
      printJson(ctx.io, {
        login_url: url,
        token_source: current.source,
        token_file: current.source === "file" ? config.paths.adminToken : null,
        daemon_running: !!running,
        rotated: rotate,
        ...(sessionsRevoked !== null ? { sessions_revoked: sessionsRevoked } : {}),
      });
      return 0;
    }
    const lines = [url];
    if (rotate) lines.push(running ? `Token rotated; ${sessionsRevoked} browser session(s) logged out.` : "Token rotated.");
    lines.push(
      keyValues([
        ["token", current.source === "file" ? config.paths.adminToken : `from ${ADMIN_TOKEN_ENV}`],
        ["daemon", running ? `running at ${running.url}` : "not running (start it with: opensentience serve)"],
      ]),
    );
    ctx.io.out(lines.join("\n"));
    return 0;
  },
};
