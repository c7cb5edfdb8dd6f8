/**
 * The admin token: the one secret that lets a browser or the CLI drive the
 * daemon's HTTP API. 32 random bytes as hex in `$OPENSENTIENCE_HOME/admin.token`
 * (mode 0600, created exclusively, never through a symlink), or supplied in
 * `OPENSENTIENCE_ADMIN_TOKEN`. It is compared in constant time and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, constants, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { AppError } from "../../core/errors.ts";
import { browserBaseUrl } from "../security/host.ts";

import { ADMIN_TOKEN_ENV, readTokenFile } from "./token-file.ts";

export { ADMIN_TOKEN_ENV, readTokenFile };

/** A token from the environment: long enough to be unguessable, printable, no whitespace. */
const envTokenSchema = z.string().min(32, "must be at least 32 characters").max(512).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = constants;

/** Equal-length digests make the comparison constant time whatever the candidate's length. */
export function tokensEqual(expected: string, candidate: string): boolean {
  return timingSafeEqual(sha256(expected), sha256(candidate));
}

/** Bun's one-shot hasher: no Hash object per call (every API request verifies a token). */
const sha256 = (s: string): Uint8Array => Bun.SHA256.hash(s) as Uint8Array;

/**
 * What records that must die with the token keep of it (web sessions): a
 * labelled SHA-256, so it equals no other digest of the token. Stored in the
 * catalog, so it must reveal nothing usable: the file token has 256 random
 * bits and an env token at least 32 characters.
 */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(`opensentience admin-token fingerprint v1:${token}`).digest("hex");
}

export function newTokenValue(): string {
  return randomBytes(32).toString("hex");
}

/** Writes `token` to a new file that must not exist yet (O_EXCL|O_NOFOLLOW, mode 0600). */
function writeExclusive(path: string, token: string): void {
  const fd = openSync(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the token file atomically: exclusive temp file, then rename (which replaces a link, never its target). */
export function writeTokenFileAtomic(path: string, token: string): void {
  const tmp = join(dirname(path), `.admin.token.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeExclusive(tmp, token);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw new AppError("io", `cannot write the admin token file (${path}) because ${(e as Error).message}`, { cause: e });
  }
}

/** Returns the file's token, creating the file on first run. */
export function loadOrCreateTokenFile(path: string): { token: string; created: boolean } {
  try {
    lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new AppError("io", `cannot stat ${path} (${(e as Error).message})`, { cause: e });
    const token = newTokenValue();
    try {
      writeExclusive(path, token);
      return { token, created: true };
    } catch (err) {
      // Lost a race with another starter (EEXIST): read what it wrote, with the same checks.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new AppError("io", `cannot create ${path} (${(err as Error).message})`, { cause: err });
    }
  }
  return { token: readTokenFile(path), created: false };
}

export type TokenSource = "file" | "env";

/**
 * The daemon's view of the admin token. Its `fingerprint` changes with the
 * token, so browser sessions stored under an older token (rotated through the
 * daemon, in the file while the daemon was down, or another env token) stop
 * working even if they were not cleared.
 */
export class AdminToken {
  private fp: string;
  /** SHA-256 of the token, so a request hashes only what it presents. */
  private digest: Uint8Array;
  private constructor(
    private value: string,
    readonly source: TokenSource,
    readonly path: string,
  ) {
    this.fp = tokenFingerprint(value);
    this.digest = sha256(value);
  }

  /** Loads from the environment when set, else from (or creating) the token file. */
  static load(path: string, env: Record<string, string | undefined>): AdminToken {
    const fromEnv = env[ADMIN_TOKEN_ENV];
    if (fromEnv !== undefined) {
      const parsed = envTokenSchema.safeParse(fromEnv);
      if (!parsed.success) throw new AppError("invalid_config", `${ADMIN_TOKEN_ENV} is not acceptable (${parsed.error.issues[0]?.message ?? "invalid"})`);
      return new AdminToken(parsed.data, "env", path);
    }
    return new AdminToken(loadOrCreateTokenFile(path).token, "file", path);
  }

  /** Fingerprint of the current token (see tokenFingerprint); computed once per token, read on every session check. */
  get fingerprint(): string {
    return this.fp;
  }

  verify(candidate: string): boolean {
    return timingSafeEqual(this.digest, sha256(candidate));
  }

  /** The token itself, for building the login URL printed on the terminal. Never log it. */
  reveal(): string {
    return this.value;
  }

  /** Writes a fresh token to the file; sessions under the old one stop being valid. */
  rotate(): void {
    if (this.source === "env") {
      throw new AppError("conflict", `the admin token comes from ${ADMIN_TOKEN_ENV}; change that variable and restart the daemon instead`);
    }
    const next = newTokenValue();
    writeTokenFileAtomic(this.path, next);
    this.value = next;
    this.fp = tokenFingerprint(next);
    this.digest = sha256(next);
  }
}

/**
 * The URL that logs a browser in; the server redirects it to a URL without the
 * token. A loopback daemon is addressed by its own name (`opensentience.localhost`,
 * see UI_HOSTNAME) so the session cookie is not shared with other servers on 127.0.0.1.
 */
export function loginUrl(baseUrl: string, token: string): string {
  return `${browserBaseUrl(baseUrl)}/login?token=${encodeURIComponent(token)}`;
}
