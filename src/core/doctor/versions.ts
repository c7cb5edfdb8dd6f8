/** Version parsing for the tools `doctor` checks. Pure. */

export type Version = [number, number, number];

/** `git version 2.39.5`, `git version 2.39.3 (Apple Git-146)`, `git version 2.45.1.windows.1`. */
export function parseGitVersion(out: string): Version | null {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(out);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/**
 * Releases that carry the May 2024 security fixes (CVE-2024-32002 recursive-clone
 * RCE, CVE-2024-32004, -32020, -32021, -32465): 2.45.1 and later, and the
 * maintenance releases 2.39.4, 2.40.2, 2.41.1, 2.42.2, 2.43.4, 2.44.1.
 */
const PATCHED_MAINTENANCE: Record<number, number> = { 39: 4, 40: 2, 41: 1, 42: 2, 43: 4, 44: 1 };

export function gitHasSecurityFixes([major, minor, patch]: Version): boolean {
  if (major !== 2) return major > 2;
  if (minor > 45 || (minor === 45 && patch >= 1)) return true;
  const need = PATCHED_MAINTENANCE[minor];
  return need !== undefined && patch >= need;
}

export interface ElixirVersions {
  elixir: Version | null;
  /** The OTP release the VM runs (from the `Erlang/OTP NN` line), not the one Elixir was compiled with. */
  otp: number | null;
}

/** Output of `elixir --version`: an `Erlang/OTP 25 [erts-…]` line, then `Elixir 1.14.0 (compiled with Erlang/OTP 24)`. */
export function parseElixirVersion(out: string): ElixirVersions {
  const e = /^Elixir (\d+)\.(\d+)\.(\d+)/m.exec(out);
  const o = /^Erlang\/OTP (\d+)/m.exec(out);
  return { elixir: e ? [Number(e[1]), Number(e[2]), Number(e[3])] : null, otp: o ? Number(o[1]) : null };
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export const formatVersion = (v: Version) => v.join(".");
