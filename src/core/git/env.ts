/**
 * The hardened environment for every child process that may run git: our own
 * git calls, and the build (`mix deps.get` starts git for git dependencies, and
 * those git processes inherit this environment).
 *
 * Built from scratch, never by copying `process.env`: only PATH (its absolute
 * entries) and LANG are taken from the parent, so GIT_DIR, GIT_WORK_TREE,
 * GIT_CONFIG*, GIT_EXEC_PATH, GIT_SSH(_COMMAND), GIT_TEMPLATE_DIR, SSH_ASKPASS,
 * ERL_*, MIX_*, HEX_* … of the caller can never leak in. Git configuration is forced through
 * GIT_CONFIG_COUNT/KEY/VALUE (command-line scope: it overrides repository config
 * and reaches git processes we do not start ourselves).
 */

import { absolutePath } from "../absolute-path.ts";

/** Transports git may use. `ext::`, `fd::`, `git://`, `http://` are refused. */
export const GIT_ALLOWED_PROTOCOLS = "https:ssh:file";

/**
 * Configuration forced on every git process. Order matters only for readability.
 * - protocol.*: allowlist (GIT_ALLOW_PROTOCOL below enforces the same thing).
 * - core.hooksPath=/dev/null: no hook ever runs (templates, repo config, clone).
 * - submodules are never fetched or checked out.
 * - core.fsmonitor=false: a repository's config cannot name a program to run.
 * - core.sshCommand: never prompt (no TTY questions, no password prompts).
 * - credential.helper empty: no helper from any config is invoked.
 * - transfer.fsckObjects: malformed objects (e.g. `.git` paths in trees) are refused.
 * - gc.auto=0 / maintenance.auto=false: no background gc process outlives the call.
 * - safe.bareRepository=explicit: embedded bare repositories in a checkout are ignored.
 */
export const HARDENED_GIT_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ["protocol.allow", "never"],
  ["protocol.https.allow", "always"],
  ["protocol.ssh.allow", "always"],
  ["protocol.file.allow", "always"],
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  ["core.sshCommand", "ssh -oBatchMode=yes"],
  ["core.askPass", "/bin/false"],
  ["core.protectNTFS", "true"],
  ["core.protectHFS", "true"],
  ["credential.helper", ""],
  ["submodule.recurse", "false"],
  ["fetch.recurseSubmodules", "false"],
  ["transfer.fsckObjects", "true"],
  ["gc.auto", "0"],
  ["maintenance.auto", "false"],
  ["advice.detachedHead", "false"],
  ["init.defaultBranch", "main"],
  ["safe.bareRepository", "explicit"],
];

/** `-c key=value` pairs for our own git command lines (belt and braces with the env). */
export function gitConfigArgs(): string[] {
  return HARDENED_GIT_CONFIG.flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}

export interface HardenedEnvOptions {
  /** Private HOME for the child (inside the data directory), never the user's. */
  home: string;
  /** The caller's environment; only PATH and LANG are read from it. */
  parent?: Record<string, string | undefined>;
  /** Extra variables (e.g. MIX_ENV for builds). Applied last. */
  extra?: Record<string, string>;
}

/** Builds the scrubbed environment. Exported so the build step uses exactly the same base. */
export function hardenedEnv(opts: HardenedEnvOptions): Record<string, string> {
  const parent = opts.parent ?? process.env;
  const lang = parent.LANG && /utf-?8/i.test(parent.LANG) ? parent.LANG : "C.UTF-8";
  const env: Record<string, string> = {
    // Git runs in checkouts of registries and agents: a relative PATH entry would find their files first.
    PATH: absolutePath(parent.PATH),
    HOME: opts.home,
    LANG: lang,
    LC_ALL: lang,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    GCM_INTERACTIVE: "never",
    GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: String(HARDENED_GIT_CONFIG.length),
  };
  HARDENED_GIT_CONFIG.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return { ...env, ...opts.extra };
}
