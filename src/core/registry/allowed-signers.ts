/**
 * An SSH allowed-signers file (ssh-keygen(1) "ALLOWED SIGNERS") for a signed
 * registry: checked line by line before it is copied into the data directory,
 * so a typo is refused at `registry add` instead of making every sync fail,
 * and summarised (principals, key type, SHA-256 fingerprint) for display.
 * Line format: `principals [options] keytype base64-key [comment]`.
 */
import { createHash } from "node:crypto";
import { AppError } from "../errors.ts";

export const MAX_ALLOWED_SIGNERS_BYTES = 64 * 1024;
const MAX_KEYS = 256;

const KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);
const OPTION_RE = /^(cert-authority|namespaces="[^"\s]*"|valid-after="[0-9TZ:+-]+"|valid-before="[0-9TZ:+-]+")$/;
const PRINCIPALS_RE = /^[^\s"]{1,256}$/;
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export interface AllowedSigner {
  principals: string;
  keyType: string;
  /** `SHA256:…` exactly as ssh-keygen -l and git print it. */
  fingerprint: string;
}

/** `SHA256:<base64 without padding>` of the decoded key blob. */
export function sshFingerprint(base64Key: string): string {
  return `SHA256:${createHash("sha256").update(Buffer.from(base64Key, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** The key blob starts with its own type as an SSH string: a cheap check that the base64 is a key of that type. */
function blobMatchesType(base64Key: string, keyType: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64Key)) return false;
  const blob = Buffer.from(base64Key, "base64");
  if (blob.length < 4) return false;
  const n = blob.readUInt32BE(0);
  return n === Buffer.byteLength(keyType) && blob.subarray(4, 4 + n).toString("latin1") === keyType;
}

/** Parses and checks the whole file; throws `invalid_argument` naming the first bad line. */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  if (Buffer.byteLength(text) > MAX_ALLOWED_SIGNERS_BYTES) {
    throw new AppError("invalid_argument", `allowed-signers file is over ${MAX_ALLOWED_SIGNERS_BYTES} bytes`);
  }
  const out: AllowedSigner[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "").trim();
    if (!line || line.startsWith("#")) continue;
    const bad = (why: string) => new AppError("invalid_argument", `allowed-signers line ${i + 1}: ${why}`);
    if (CONTROL_RE.test(line)) throw bad("contains control characters");
    const tokens = line.split(/[ \t]+/);
    const [principals = "", second = "", third = "", fourth = ""] = tokens;
    if (!PRINCIPALS_RE.test(principals)) throw bad("expected principals (e.g. maintainer@example.com) first");
    let keyType = second;
    let key = third;
    if (!KEY_TYPES.has(second)) {
      for (const opt of second.split(",")) if (!OPTION_RE.test(opt)) throw bad(`unknown key type or option '${opt.slice(0, 60)}'`);
      keyType = third;
      key = fourth;
    }
    if (!KEY_TYPES.has(keyType)) throw bad(`unsupported key type '${keyType.slice(0, 60)}' (one of ${[...KEY_TYPES].join(", ")})`);
    if (!blobMatchesType(key, keyType)) throw bad(`the key is not a base64 ${keyType} public key`);
    out.push({ principals, keyType, fingerprint: sshFingerprint(key) });
    if (out.length > MAX_KEYS) throw bad(`more than ${MAX_KEYS} keys`);
  }
  if (out.length === 0) throw new AppError("invalid_argument", "allowed-signers file names no key (format: PRINCIPALS [OPTIONS] KEYTYPE BASE64KEY, e.g. from a .pub file)");
  return out;
}
