import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Layout of the data directory. Everything the daemon writes lives under `home`. */
export interface DataPaths {
  home: string;
  config: string;
  db: string;
  adminToken: string;
  daemonFile: string;
  lockFile: string;
  runDir: string;
  agentSocket: string;
  agentsDir: string;
  registriesDir: string;
  logsDir: string;
}

export function expandHome(p: string, home = homedir()): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return join(home, p.slice(2));
  return p;
}

export function resolveHome(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.OPENSENTIENCE_HOME?.trim();
  return resolve(fromEnv ? expandHome(fromEnv) : join(homedir(), ".opensentience"));
}

export function dataPaths(home: string): DataPaths {
  const runDir = join(home, "run");
  return {
    home,
    config: join(home, "config.json"),
    db: join(home, "catalog.db"),
    adminToken: join(home, "admin.token"),
    daemonFile: join(home, "daemon.json"),
    lockFile: join(home, "daemon.lock"),
    runDir,
    agentSocket: join(runDir, "agents.sock"),
    agentsDir: join(home, "agents"),
    registriesDir: join(home, "registries"),
    logsDir: join(home, "logs"),
  };
}
