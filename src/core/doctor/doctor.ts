/**
 * `opensentience doctor`: everything the daemon and agent builds need, checked
 * without changing anything (no data dir is created, no SDK written out).
 */
import { existsSync, statfsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { hasEmbeddedSdk, materializedSdkDir, EMBEDDED_SDK, readSdkMarker } from "../bundled/bundled.ts";
import { type Config, loadConfig } from "../config/load.ts";
import { dataPaths, resolveHome, type DataPaths } from "../config/paths.ts";
import { isAppError } from "../errors.ts";
import { readDaemonFile } from "../../daemon/daemon-file.ts";
import { limitsSchema } from "../config/schema.ts";
import { capsFromConfig, detectLimitSupport } from "../sandbox/limits.ts";
import { sandboxSupport } from "../sandbox/probe.ts";
import { absolutePath } from "../absolute-path.ts";
import {
  checkAdminToken,
  checkDataDir,
  checkDisk,
  checkScanRoots,
  checkElixir,
  checkGit,
  checkLandlock,
  checkPort,
  checkResourceLimits,
  checkSandboxPolicy,
  checkSandboxTool,
  checkLocalApiSocket,
  checkPathEntries,
  checkSocket,
  type CheckResult,
  type DoctorDeps,
  type PortProbe,
  checkSshKeygen,
} from "./checks.ts";

export interface DoctorReport {
  /** False when any check failed. */
  ok: boolean;
  home: string;
  counts: { ok: number; warn: number; fail: number };
  checks: CheckResult[];
}

function checkConfig(env: Record<string, string | undefined>): { result: CheckResult; config: Config | null; paths: DataPaths } {
  const paths = dataPaths(resolveHome(env));
  try {
    const config = loadConfig({ env, create: false });
    const where = Object.values(config.sources).includes("file") ? `${paths.config} is valid` : `no ${paths.config}; using defaults`;
    return { result: { id: "config", title: "config", status: "ok", message: where }, config, paths };
  } catch (e) {
    const message = isAppError(e) ? e.message : String(e);
    return {
      result: { id: "config", title: "config", status: "fail", message, fix: `fix the field named above in ${paths.config} (or the environment variable), then: opensentience config show` },
      config: null,
      paths,
    };
  }
}

/** Which SDK agent builds will use, without writing it out. */
function checkSdk(paths: DataPaths, env: Record<string, string | undefined>): CheckResult {
  const t = "agent SDK";
  const fromEnv = env.OPENSENTIENCE_SDK_PATH;
  if (fromEnv) {
    return existsSync(join(fromEnv, "mix.exs"))
      ? { id: "sdk", title: t, status: "ok", message: `OPENSENTIENCE_SDK_PATH=${fromEnv}` }
      : { id: "sdk", title: t, status: "fail", message: `OPENSENTIENCE_SDK_PATH=${fromEnv} has no mix.exs`, fix: "point OPENSENTIENCE_SDK_PATH at an sdk/elixir directory, or unset it to use the SDK built into opensentience" };
  }
  // Same order as sdkPath() in agent-env.ts: a source checkout's SDK wins over the built-in one.
  const checkout = resolve(import.meta.dir, "../../../sdk/elixir");
  if (existsSync(join(checkout, "mix.exs"))) return { id: "sdk", title: t, status: "ok", message: `source checkout's SDK at ${checkout}` };
  if (hasEmbeddedSdk()) {
    const dir = materializedSdkDir(paths);
    const state = readSdkMarker(dir) ? `at ${dir}` : `written to ${dir} on first use`;
    return { id: "sdk", title: t, status: "ok", message: `built-in SDK ${EMBEDDED_SDK.version} (${state})` };
  }
  return { id: "sdk", title: t, status: "warn", message: "this build carries no Elixir SDK", fix: "set OPENSENTIENCE_SDK_PATH to an sdk/elixir directory" };
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { result: configResult, config, paths } = checkConfig(deps.env);
  const host = config?.host ?? "127.0.0.1";
  const port = config?.port ?? 6767;
  // The two checks that start programs run concurrently.
  // An invalid config.json leaves the port serve would use unknown: probing the default could report a false "in use".
  const portCheck: Promise<CheckResult> = config
    ? checkPort(host, port, paths, deps)
    : Promise.resolve({ id: "port", title: "port", status: "warn", message: `not checked: ${paths.config} is invalid, so the port serve would use is unknown (the default is ${port})`, fix: "fix config.json first (see the config line above), then run doctor again" });
  const [git, elixir, portResult] = await Promise.all([checkGit(deps), checkElixir(deps), portCheck]);
  const sandbox = deps.sandbox();
  const sandboxChecks = [
    checkSandboxTool(sandbox),
    checkLandlock(sandbox),
    checkResourceLimits(deps.limits(), capsFromConfig(config?.limits ?? limitsSchema.parse({}))),
    checkSandboxPolicy(config?.sandbox ?? "auto", config?.sources.sandbox ?? "default", sandbox),
  ];
  const checks = [configResult, ...checkPathEntries(deps.env), git, checkSshKeygen(deps), ...elixir, checkSdk(paths, deps.env), checkDataDir(paths, deps), ...checkSocket(paths, deps), checkLocalApiSocket(paths, deps), portResult, checkAdminToken(paths, deps), checkDisk(paths, deps, config?.retention.min_free_disk_mb), ...(config ? [checkScanRoots(config.scanRoots, paths)] : []), ...sandboxChecks];
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status]++;
  return { ok: counts.fail === 0, home: paths.home, counts, checks };
}

/** The real machine. */
export function realDoctorDeps(env: Record<string, string | undefined> = process.env): DoctorDeps {
  // What the daemon's children find (git/env.ts, sandbox/probe.ts): PATH's absolute entries, whatever directory doctor runs in.
  const PATH = absolutePath(env.PATH);
  return {
    env,
    uid: typeof process.getuid === "function" ? process.getuid() : null,
    which: (name) => Bun.which(name, { PATH }),
    async run(cmd) {
      const exe = Bun.which(cmd[0]!, { PATH });
      if (!exe) return null;
      const p = Bun.spawn([exe, ...cmd.slice(1)], { env: { PATH, HOME: env.HOME ?? "/", LANG: env.LANG ?? "C.UTF-8" }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { code: p.exitCode ?? 1, stdout, stderr };
    },
    probePort,
    readDaemon: (path) => readDaemonFile(path),
    sandbox: () => sandboxSupport(true),
    limits: () => detectLimitSupport(true),
    diskSpace(path) {
      try {
        const s = statfsSync(path);
        return { free: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) };
      } catch {
        return null;
      }
    },
  };
}

export function probePort(host: string, port: number): Promise<PortProbe> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => {
      resolvePromise(e.code === "EADDRINUSE" ? { state: "in_use" } : { state: "error", message: e.code ? `${e.code}: ${e.message}` : e.message });
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolvePromise({ state: "free" })));
  });
}
