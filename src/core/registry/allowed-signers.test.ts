import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAppError } from "../errors.ts";
import { parseAllowedSigners, sshFingerprint } from "./allowed-signers.ts";

/** A real key from ssh-keygen, and the fingerprint ssh-keygen -l prints for it. */
function realKey(): { line: string; type: string; key: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), "os-signers-"));
  try {
    const f = join(dir, "k");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", f]);
    const [type, key] = readFileSync(`${f}.pub`, "utf8").split(" ") as [string, string];
    const fingerprint = spawnSync("ssh-keygen", ["-l", "-f", `${f}.pub`], { encoding: "utf8" }).stdout.split(" ")[1]!;
    return { line: `${type} ${key}`, type, key, fingerprint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const problem = (text: string) => {
  try {
    parseAllowedSigners(text);
  } catch (e) {
    return isAppError(e) ? e.message : String(e);
  }
  return "accepted";
};

describe("parseAllowedSigners", () => {
  const k = realKey();

  test("principals, options and comments; fingerprints match ssh-keygen's", () => {
    const text = `# maintainers\n\nalice@example.com ${k.line} alice laptop\nbob@example.com,ci@example.com namespaces="git",valid-after="20260101" ${k.line}\r\n`;
    expect(parseAllowedSigners(text)).toEqual([
      { principals: "alice@example.com", keyType: "ssh-ed25519", fingerprint: k.fingerprint },
      { principals: "bob@example.com,ci@example.com", keyType: "ssh-ed25519", fingerprint: k.fingerprint },
    ]);
    expect(sshFingerprint(k.key)).toBe(k.fingerprint);
  });

  test("hostile or broken lines are refused, naming the line", () => {
    expect(problem("")).toContain("names no key");
    expect(problem(`alice ${k.type} AAAA`)).toContain("line 1: the key is not a base64 ssh-ed25519 public key");
    expect(problem(`alice ssh-rsa ${k.key}`)).toContain("not a base64 ssh-rsa public key"); // type and blob disagree
    expect(problem(`alice ssh-dss ${k.key}`)).toContain("unknown key type or option");
    expect(problem(`alice command="rm -rf /" ${k.line}`)).toContain("unknown key type or option");
    expect(problem(`# ok\nalice\u0007 ${k.line}`)).toContain("line 2: contains control characters");
    expect(problem(`"alice" ${k.line}`)).toContain("expected principals");
    expect(problem(`alice ${k.line}\n`.repeat(3000))).toContain("over 65536 bytes");
  });
});
