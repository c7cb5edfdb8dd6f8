/**
 * The launchd agent (macOS) that runs `opensentience serve` at login. Pure:
 * content only. KeepAlive restarts the daemon when it exits with an error
 * (like systemd's Restart=on-failure) but not after a clean stop; output goes
 * to the data dir (0700), because `serve` prints the admin login URL.
 */
import { AppError } from "../errors.ts";
import type { ServiceSpec } from "./spec.ts";

export const LAUNCHD_LABEL = "io.opensentience.daemon";

/** Recognizes plists we wrote (a comment right after the XML declaration). */
export const GENERATED_PLIST_MARKER = "<!-- Written by `opensentience service install`. -->";

export function xmlEscape(s: string): string {
  // XML 1.0 cannot hold most control characters at all, escaped or not.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s)) {
    throw new AppError("invalid_argument", `value contains a character a plist cannot hold: ${JSON.stringify(s)}`);
  }
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

const str = (s: string) => `<string>${xmlEscape(s)}</string>`;

export function launchdPlist(spec: ServiceSpec): string {
  const env = Object.entries(spec.env);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    GENERATED_PLIST_MARKER,
    `<!-- OpenSentience ${xmlEscape(spec.version)}. Remove with \`opensentience service uninstall\`. -->`,
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${str(LAUNCHD_LABEL)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...spec.command.map((a) => `    ${str(a)}`),
    "  </array>",
    ...(env.length
      ? ["  <key>EnvironmentVariables</key>", "  <dict>", ...env.flatMap(([k, v]) => [`    <key>${xmlEscape(k)}</key>`, `    ${str(v)}`]), "  </dict>"]
      : []),
    "  <key>WorkingDirectory</key>",
    `  ${str(spec.dataDir)}`,
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>10</integer>",
    "  <key>ExitTimeOut</key>",
    "  <integer>30</integer>",
    "  <key>Umask</key>",
    "  <integer>63</integer>",
    "  <key>StandardOutPath</key>",
    `  ${str(spec.logFile)}`,
    "  <key>StandardErrorPath</key>",
    `  ${str(spec.logFile)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
