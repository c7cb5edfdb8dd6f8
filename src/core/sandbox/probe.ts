/**
 * What this machine offers the sandbox, found once per daemon: a working
 * bubblewrap, Landlock, and where the Erlang/Elixir toolchain lives (so the
 * sandbox can show exactly that and nothing else of the system).
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { landlockAbi } from "./exec-restricted.ts";
import { absolutePath } from "../absolute-path.ts";

export interface Toolchain {
  erlangRoot: string;
  /** erts-<v>/bin: erlexec, beam.smp, erl_child_setup. */
  ertsBin: string;
  elixirRoot: string;
  /** The `mix` script (Elixir code the CLI runs). */
  mixScript: string;
  elixirEbins: string[];
  /** Directories holding the shared libraries ERTS links and its dynamic loader. */
  libDirs: string[];
  loader: string | null;
}

export interface SandboxSupport {
  /** bwrap runs and can create user, pid and net namespaces here. */
  available: boolean;
  /** Why not, in words (shown by doctor, the UI and `agents info`). */
  reason: string | null;
  bwrap: string | null;
  bwrapVersion: string | null;
  landlockAbi: number;
  toolchain: Toolchain | null;
  /** Host symlinks of a merged-/usr layout to reproduce (/lib → usr/lib …). */
  symlinks: Array<{ target: string; source: string }>;
  networkFiles: string[];
  spawnSystem: string[];
  /** macOS: `sandbox-exec`, which runs the plan as an SBPL profile (macos-profile.ts; untested on real macOS). */
  sandboxExec: string | null;
  /** bwrap ≥ 0.8 can forbid nested user namespaces (`--disable-userns`); older ones cannot. */
  disableUserns: boolean;
}

/** `cmd` on PATH's absolute entries: what the sandbox mounts and runs must not depend on the daemon's working directory. */
function which(cmd: string, path = process.env.PATH): string | null {
  for (const dir of absolutePath(path).split(":")) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return null;
}

const existing = (paths: string[]) => paths.filter((p) => existsSync(p));

export function findToolchain(path?: string): Toolchain | null {
  const erl = which("erl", path);
  const elixir = which("elixir", path);
  const mix = which("mix", path);
  if (!erl || !elixir || !mix) return null;
  const erlangRoot = dirname(dirname(realpathSync(erl)));
  const erts = readdirSync(erlangRoot).filter((d) => d.startsWith("erts-")).sort().at(-1);
  if (!erts) return null;
  const elixirRoot = dirname(dirname(realpathSync(elixir)));
  const elixirEbins = existing(readdirSync(join(elixirRoot, "lib")).map((d) => join(elixirRoot, "lib", d, "ebin")));
  const loaderLink = existing(["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3"])[0];
  const loader = loaderLink ? realpathSync(loaderLink) : null;
  const libDirs = [...new Set([...(loader ? [dirname(loader)] : []), ...existing(["/usr/lib64", "/usr/lib/locale"])])];
  return { erlangRoot, ertsBin: join(erlangRoot, erts, "bin"), elixirRoot, mixScript: realpathSync(mix), elixirEbins, libDirs, loader };
}

let cached: SandboxSupport | undefined;

/** Probes once (a bwrap run of a few ms); `refresh` for doctor and tests. */
export function sandboxSupport(refresh = false): SandboxSupport {
  if (cached && !refresh) return cached;
  const symlinks: SandboxSupport["symlinks"] = [];
  for (const p of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    try {
      if (lstatSync(p).isSymbolicLink()) symlinks.push({ target: p, source: readlinkSync(p) });
    } catch {
      // absent
    }
  }
  const networkFiles = existing(["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/ssl", "/etc/ca-certificates", "/usr/share/ca-certificates", "/etc/pki"]);
  const spawnSystem = existing(["/usr", "/etc/alternatives", "/etc/passwd", "/etc/group", "/etc/ld.so.cache"]);
  const base = { bwrapVersion: null, landlockAbi: landlockAbi(), toolchain: findToolchain(), symlinks, networkFiles, spawnSystem, sandboxExec: null, disableUserns: false };
  const bwrap = which("bwrap");
  if (process.platform === "darwin") {
    const sandboxExec = existsSync("/usr/bin/sandbox-exec") ? "/usr/bin/sandbox-exec" : null;
    const reason = !sandboxExec ? "sandbox-exec is missing" : !base.toolchain ? "erl/elixir/mix not found on PATH" : null;
    return (cached = { ...base, spawnSystem: existing(["/usr", "/bin", "/opt/homebrew", "/usr/local", "/private/etc"]), available: reason === null, reason, bwrap: null, sandboxExec });
  }
  if (process.platform !== "linux") return (cached = { ...base, available: false, reason: "bubblewrap sandboxing is Linux-only", bwrap: null });
  if (!bwrap) return (cached = { ...base, available: false, reason: "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)", bwrap: null });
  const probe = spawnSync(bwrap, ["--ro-bind", "/", "/", "--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent", "--", "true"], { encoding: "utf8", timeout: 10_000 });
  const version = spawnSync(bwrap, ["--version"], { encoding: "utf8" }).stdout?.trim().replace(/^bubblewrap\s*/, "") || null;
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split("\n")[0];
    return (cached = { ...base, bwrapVersion: version, available: false, reason: `bwrap cannot create namespaces here: ${why}`, bwrap });
  }
  if (!base.toolchain) return (cached = { ...base, bwrapVersion: version, available: false, reason: "erl/elixir/mix not found on PATH", bwrap });
  const disableUserns = spawnSync(bwrap, ["--ro-bind", "/", "/", "--unshare-user", "--disable-userns", "--", "true"], { timeout: 10_000 }).status === 0;
  return (cached = { ...base, bwrapVersion: version, available: true, reason: null, bwrap, disableUserns });
}
