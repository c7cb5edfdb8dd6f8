/*
 * POSIX path arithmetic by hand, not node:path/node:os: every CLI command
 * starts here, and loading those two modules cost `agents list` about a tenth
 * of its start (callgrind, issue 13). The daemon runs on Linux and macOS only.
 */

/** $HOME as node's os.homedir() reads it; the passwd entry only when HOME is unset. */
function homedir(): string {
  const home = process.env.HOME;
  if (home) return home;
  return (require("node:os") as typeof import("node:os")).homedir();
}

/** Absolute, normalised: no `.`/`..` segments, no repeated or trailing slash (node's path.resolve). */
export function resolvePath(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) if (parts[i]) path = path ? `${parts[i]}/${path}` : parts[i]!;
  if (!path.startsWith("/")) path = `${process.cwd()}/${path}`;
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

const join = (dir: string, name: string): string => (dir.endsWith("/") ? dir + name : `${dir}/${name}`);

/** Layout of the data directory. Everything the daemon writes lives under `home`. */
export interface DataPaths {
  home: string;
  config: string;
  db: string;
  adminToken: string;
  daemonFile: string;
  /** The daemon's JSON API on a Unix socket, for the CLI (daemon/local-api-socket.ts). */
  localApiSocket: string;
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
  return resolvePath(fromEnv ? expandHome(fromEnv) : join(homedir(), ".opensentience"));
}

export function dataPaths(home: string): DataPaths {
  const runDir = join(home, "run");
  return {
    home,
    config: join(home, "config.json"),
    db: join(home, "catalog.db"),
    adminToken: join(home, "admin.token"),
    daemonFile: join(home, "daemon.json"),
    localApiSocket: join(home, "api.sock"),
    lockFile: join(home, "daemon.lock"),
    runDir,
    agentSocket: join(runDir, "agents.sock"),
    agentsDir: join(home, "agents"),
    registriesDir: join(home, "registries"),
    logsDir: join(home, "logs"),
  };
}
