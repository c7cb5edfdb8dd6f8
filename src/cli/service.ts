import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { buildServiceSpec } from "../core/service/spec.ts";
import { installService, managerFor, type InstallReport, realServiceHost, serviceContent, serviceStatus, type Step, uninstallService } from "../core/service/service.ts";
import { readDaemonFile } from "../daemon/daemon-file.ts";
import { VERSION } from "../version.ts";
import type { Command, CommandContext } from "./command.ts";
import { clean, keyValues, printJson } from "./output.ts";

function specFor(ctx: CommandContext, paths = dataPaths(resolveHome(ctx.env))) {
  return buildServiceSpec({ paths, env: ctx.env, program: { execPath: process.execPath, main: Bun.main }, version: VERSION });
}

function stepLines(steps: Step[]): string[] {
  return steps.map((s) => `  ${s.ok ? "ok  " : "FAIL"}  ${clean(s.command)}${s.ok || !s.output ? "" : `: ${clean(s.output)}`}`);
}

function manualLines(manual: string[]): string[] {
  return manual.length ? ["Run these yourself (from a login session) to start it:", ...manual.map((m) => `  ${m}`)] : [];
}

export const serviceInstall: Command = {
  path: ["service", "install"],
  summary: "Run the daemon at login: write and load a systemd user unit (Linux) or launchd agent (macOS)",
  usage: "[--print] [--force]",
  options: { print: { type: "boolean", description: "Print the unit file / plist instead of installing it" }, force: { type: "boolean", description: "Overwrite a unit file / plist this tool did not write" } },
  run(ctx) {
    const host = realServiceHost(ctx.env);
    const kind = managerFor(host.platform);
    if (ctx.values.print === true) {
      // Preview only: nothing is written, nothing is created.
      ctx.io.out(serviceContent(kind, specFor(ctx), host));
      return 0;
    }
    const config = ctx.config(); // creates the data dir (0700) the service logs into
    const spec = specFor(ctx, config.paths);
    const report: InstallReport = installService({
      host,
      spec,
      paths: config.paths,
      force: ctx.values.force === true,
      runningDaemonPid: readDaemonFile(config.paths.daemonFile)?.pid ?? null,
    });
    if (ctx.json) {
      printJson(ctx.io, report);
      return report.activated || report.steps.length === 0 ? 0 : 1;
    }
    const what = kind === "systemd" ? "systemd user unit" : "launchd agent";
    ctx.io.out(
      [
        `${report.file_change === "unchanged" ? "Unchanged" : report.file_change === "created" ? "Wrote" : "Updated"} ${what}: ${report.file}`,
        `  runs: ${spec.command.join(" ")}`,
        ...stepLines(report.steps),
        report.activated ? "Service enabled and started." : "Service NOT started.",
        ...manualLines(report.manual),
        ...report.notes.map((n) => `note: ${clean(n)}`),
      ].join("\n"),
    );
    // No reachable manager is expected (containers): exit 0 with the note. A manager that refused is a failure.
    return report.activated || report.steps.length === 0 ? 0 : 1;
  },
};

export const serviceUninstall: Command = {
  path: ["service", "uninstall"],
  summary: "Stop the daemon service and remove its unit file / plist",
  usage: "[--force]",
  options: { force: { type: "boolean", description: "Remove a unit file / plist this tool did not write" } },
  run(ctx) {
    const report = uninstallService({ host: realServiceHost(ctx.env), force: ctx.values.force === true });
    if (ctx.json) {
      printJson(ctx.io, report);
      return 0;
    }
    ctx.io.out(
      [
        report.removed ? `Removed ${report.file}` : `Nothing removed: ${report.file}`,
        ...stepLines(report.steps),
        ...(report.manual.length ? ["Run this yourself to stop it:", ...report.manual.map((m) => `  ${m}`)] : []),
        ...report.notes.map((n) => `note: ${clean(n)}`),
      ].join("\n"),
    );
    return 0;
  },
};

export const serviceStatusCommand: Command = {
  path: ["service", "status"],
  summary: "Show whether the daemon service is installed, enabled and running",
  run(ctx) {
    const paths = dataPaths(resolveHome(ctx.env));
    const info = readDaemonFile(paths.daemonFile);
    const report = serviceStatus({ host: realServiceHost(ctx.env), spec: specFor(ctx, paths), daemon: info ? { pid: info.pid, url: info.url } : null });
    if (ctx.json) {
      printJson(ctx.io, report);
      return 0;
    }
    ctx.io.out(
      [
        keyValues([
          ["manager", report.manager],
          ["file", `${report.file}${report.installed ? "" : " (not installed)"}`],
          ["enabled", report.enabled ?? "unknown"],
          ["active", report.active ?? "unknown"],
          ["daemon", report.daemon ? `running, pid ${report.daemon.pid}, ${report.daemon.url}` : "not running"],
          ["log", report.log_file],
        ]),
        ...report.notes.map((n) => `note: ${clean(n)}`),
      ].join("\n"),
    );
    return 0;
  },
};
