/**
 * The systemd user unit that runs `opensentience serve`. Pure: content only;
 * service.ts writes it and talks to systemctl.
 *
 * Hardening, and why each choice keeps mix, git and agents working:
 *  - NoNewPrivileges, LockPersonality, RestrictRealtime, RestrictSUIDSGID,
 *    SystemCallArchitectures=native: seccomp/prctl only; nothing the daemon,
 *    git or the BEAM needs. They work in user units without user namespaces.
 *  - UMask=0077: everything written under the data dir stays private.
 *  - PrivateTmp=yes: a private /tmp (mix and git only need *a* writable /tmp;
 *    the daemon's socket lives in the data dir, not /tmp).
 *  - ProtectSystem=full, not strict: /usr, /boot, /efi and /etc become
 *    read-only, the home directory is untouched. `strict` would make the whole
 *    tree read-only except listed paths; the data dir could be listed, but
 *    local agents are built in place under ~/Projects (any scan root), and an
 *    agent granted `filesystem:write:<path>` may write wherever the user
 *    approved, so the list would have to follow every approval. `full`
 *    protects the system without breaking that.
 *  - PrivateTmp/ProtectSystem need a mount namespace, which a *user* manager can
 *    only create through an unprivileged user namespace. Where those are
 *    disabled (sysctl, Ubuntu's AppArmor restriction) the unit would fail to
 *    start (status 226/NAMESPACE), so the two lines are left out there.
 *  - No MemoryDenyWriteExecute: both Bun's JavaScriptCore and the BEAM JIT
 *    need writable+executable memory.
 *  - KillMode=mixed: SIGTERM goes to the daemon only, which shuts its agents
 *    down in order; whatever is left is killed after TimeoutStopSec.
 *  - Output goes to a file in the data dir (0700), not the journal: `serve`
 *    prints the admin login URL, which carries the token, and the journal is
 *    readable by other accounts (adm, systemd-journal groups).
 */
import { AppError } from "../errors.ts";
import type { ServiceSpec } from "./spec.ts";

export const SYSTEMD_UNIT_NAME = "opensentience.service";

/** First line of every unit we write: lets `install`/`uninstall` recognize their own file. */
export const GENERATED_MARKER = "# Written by `opensentience service install`.";

function refuseControl(what: string, s: string): void {
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new AppError("invalid_argument", `${what} contains a control character; systemd units cannot hold it: ${JSON.stringify(s)}`);
}

/** `%` starts a specifier in almost every systemd setting. */
const escapeSpecifiers = (s: string) => s.replaceAll("%", "%%");

/** One word of a command line (ExecStart=): `%` and `$` escaped, quoted when needed. */
export function systemdExecWord(s: string): string {
  refuseControl("command line", s);
  const escaped = escapeSpecifiers(s).replaceAll("$", "$$$$");
  if (escaped !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** `Environment="NAME=value"` with quotes, backslashes and specifiers escaped. */
export function systemdEnvironment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AppError("invalid_argument", `bad environment variable name ${JSON.stringify(name)}`);
  refuseControl(`${name}`, value);
  const v = escapeSpecifiers(value).replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  return `Environment="${name}=${v}"`;
}

/** A path setting that takes the rest of the line (no quoting): specifiers escaped. */
function systemdPath(what: string, p: string): string {
  refuseControl(what, p);
  return escapeSpecifiers(p);
}

export interface SystemdOptions {
  /** Include PrivateTmp= and ProtectSystem= (needs unprivileged user namespaces). */
  namespaces: boolean;
}

export function systemdUnit(spec: ServiceSpec, opts: SystemdOptions): string {
  const lines = [
    GENERATED_MARKER,
    `# OpenSentience ${spec.version}. Remove with \`opensentience service uninstall\`; the next install overwrites edits.`,
    "",
    "[Unit]",
    "Description=OpenSentience Core (local marketplace and runtime for Elixir agents)",
    "StartLimitIntervalSec=300",
    "StartLimitBurst=5",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${spec.command.map(systemdExecWord).join(" ")}`,
    ...Object.entries(spec.env).map(([k, v]) => systemdEnvironment(k, v)),
    "Restart=on-failure",
    "RestartSec=2",
    "KillMode=mixed",
    "TimeoutStopSec=30",
    `StandardOutput=append:${systemdPath("log file", spec.logFile)}`,
    `StandardError=append:${systemdPath("log file", spec.logFile)}`,
    "UMask=0077",
    "NoNewPrivileges=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "SystemCallArchitectures=native",
    ...(opts.namespaces
      ? ["PrivateTmp=yes", "# full, not strict: the data dir, ~/Projects and approved agent paths stay writable.", "ProtectSystem=full"]
      : ["# PrivateTmp= and ProtectSystem= left out: this machine does not allow unprivileged user namespaces,", "# which a user service manager needs for them (the unit would fail with 226/NAMESPACE)."]),
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ];
  return lines.join("\n");
}
