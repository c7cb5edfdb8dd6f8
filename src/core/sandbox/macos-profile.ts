/**
 * The same SandboxPlan as a macOS `sandbox-exec` profile (SBPL), for
 * `sandbox-exec -p PROFILE CMD…`. UNTESTED on real macOS: the text is
 * unit-tested, the behaviour is not (see README).
 *
 * Translation of the plan, in order (in SBPL, as with mounts, a later rule
 * overrides an earlier one for the paths it matches):
 *   ro mount       → file-read* of that subpath
 *   rw mount       → file-read* and file-write* of that subpath
 *   socket         → read/write of that file and connect() to it
 *   tmpfs elsewhere than /tmp → deny both (a masked path, e.g. the data directory
 *                    under an approved parent); macOS cannot give a private /tmp,
 *                    so /tmp is simply not granted: the launcher points TMPDIR
 *                    into the agent's own data directory instead
 *   dev            → the few device files programs open
 *   symlink        → reading the link itself
 *   network none   → nothing but the Unix sockets above; proxy: the same (the
 *                    egress socket is one of them); host → all network
 *   spawn false    → process-exec only of the runtime's own executables
 *                    (execAllow); spawn true → any readable program
 *
 * Always allowed: forking (ERTS starts erl_child_setup), signals within the
 * sandbox, sysctl reads, file metadata lookups (path resolution stats every
 * ancestor; this reveals which paths exist, not their contents) and read
 * access to the system libraries every macOS program loads.
 */
import type { Mount, SandboxPlan } from "./plan.ts";

/** Read-only system trees every process on macOS needs (dyld, libSystem, frameworks, zoneinfo). */
export const MACOS_SYSTEM_READ = ["/usr/lib", "/usr/share", "/System/Library", "/System/Cryptexes", "/Library/Apple", "/private/var/db/dyld", "/private/var/db/timezone", "/private/etc/localtime"];

const DEVICES = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/dtracehelper"];

/** An SBPL string literal; control characters are refused rather than escaped. */
export function sbplString(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new Error(`refusing a path with control characters in a sandbox profile: ${JSON.stringify(s)}`);
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

const subpath = (p: string) => `(subpath ${sbplString(p)})`;
const literal = (p: string) => `(literal ${sbplString(p)})`;

function mountRules(m: Mount): string[] {
  switch (m.kind) {
    case "ro":
      return [`(allow file-read* ${subpath(m.target)}) ; ${m.reason}`];
    case "rw":
      return [`(allow file-read* file-write* ${subpath(m.target)}) ; ${m.reason}`];
    case "socket":
      return [`(allow file-read* file-write* ${literal(m.target)}) ; ${m.reason}`, `(allow network-outbound (remote unix-socket (path-literal ${sbplString(m.target)})))`];
    case "tmpfs":
      return m.target === "/tmp" ? ["; /tmp: not granted (no private /tmp on macOS; TMPDIR points into the agent's data directory)"] : [`(deny file-read* file-write* ${subpath(m.target)}) ; ${m.reason}`];
    case "dev":
      return [`(allow file-read* file-write* ${DEVICES.map(literal).join(" ")}) ; devices`];
    case "symlink":
      return [`(allow file-read* ${literal(m.target)}) ; symlink`];
    case "proc":
      return [];
  }
}

/** The profile text for a plan. `systemRead` adds to (or, in tests, replaces) the base system trees. */
export function macosProfile(plan: SandboxPlan, opts: { systemRead?: string[] } = {}): string {
  const lines = [
    "(version 1)",
    `; OpenSentience sandbox for ${plan.agentId}: generated from its approved permissions (src/core/sandbox/macos-profile.ts)`,
    "(deny default)",
    "(allow process-fork)",
    "(allow signal (target same-sandbox))",
    "(allow sysctl-read)",
    "(allow file-read-metadata)",
    `(allow file-read* ${(opts.systemRead ?? MACOS_SYSTEM_READ).map(subpath).join(" ")}) ; system libraries`,
  ];
  for (const m of plan.mounts) lines.push(...mountRules(m));
  if (plan.network.mode === "host") lines.push("(allow network*) ; network:egress:*", "(allow system-socket)", '(allow mach-lookup (global-name "com.apple.dnssd.service" "com.apple.SystemConfiguration.configd")) ; name resolution');
  else lines.push(`; network: ${plan.network.mode === "proxy" ? `only through the egress proxy socket (${plan.network.allow.join(", ")})` : "none"}`);
  if (plan.spawn) lines.push("(allow process-exec) ; process:spawn");
  else if (plan.execAllow.length) lines.push(`(allow process-exec ${plan.execAllow.map(literal).join(" ")}) ; only the runtime's own executables`);
  return `${lines.join("\n")}\n`;
}
