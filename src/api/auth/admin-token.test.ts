import { afterEach, expect, test } from "bun:test";
import { chmodSync, linkSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminToken, loginUrl, tokenFingerprint, tokensEqual } from "./admin-token.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tokenPath(): string {
  const d = mkdtempSync(join(tmpdir(), "os-token-"));
  dirs.push(d);
  return join(d, "admin.token");
}

test("creates once, reloads the same token, rotates atomically with mode 0600", () => {
  const path = tokenPath();
  const a = AdminToken.load(path, {});
  expect(a.reveal()).toMatch(/^[0-9a-f]{64}$/);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(AdminToken.load(path, {}).reveal()).toBe(a.reveal());
  const old = a.reveal();
  const oldFingerprint = a.fingerprint;
  a.rotate();
  expect(a.fingerprint).not.toBe(oldFingerprint);
  expect(a.verify(old)).toBe(false);
  expect(a.verify(a.reveal())).toBe(true);
  expect(readFileSync(path, "utf8").trim()).toBe(a.reveal());
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test("refuses symlinks and loose modes; rotation replaces a link, never writes through it", () => {
  const path = tokenPath();
  const target = `${path}.target`;
  writeFileSync(target, "c".repeat(64), { mode: 0o600 });
  symlinkSync(target, path);
  expect(() => AdminToken.load(path, {})).toThrow(/symlink/);
  rmSync(path);
  writeFileSync(path, "d".repeat(64), { mode: 0o600 });
  chmodSync(path, 0o644);
  expect(() => AdminToken.load(path, {})).toThrow(/mode 644/);
  chmodSync(path, 0o600);
  const t = AdminToken.load(path, {});
  rmSync(path);
  symlinkSync(target, path); // planted between load and rotate
  t.rotate();
  expect(lstatSync(path).isSymbolicLink()).toBe(false);
  expect(readFileSync(target, "utf8")).toBe("c".repeat(64));
});

test("refuses a hard-linked token file (a second name would keep the token, and survive rotation)", () => {
  const path = tokenPath();
  const t = AdminToken.load(path, {});
  const other = `${path}.copy`;
  linkSync(path, other);
  expect(() => AdminToken.load(path, {})).toThrow(/has 2 hard links/);
  rmSync(other);
  expect(AdminToken.load(path, {}).reveal()).toBe(t.reveal());
});

test("env token: validated, never written, not rotatable", () => {
  const path = tokenPath();
  expect(() => AdminToken.load(path, { OPENSENTIENCE_ADMIN_TOKEN: "short" })).toThrow(/OPENSENTIENCE_ADMIN_TOKEN/);
  const t = AdminToken.load(path, { OPENSENTIENCE_ADMIN_TOKEN: "e".repeat(40) });
  expect(t.source).toBe("env");
  expect(() => lstatSync(path)).toThrow();
  expect(() => t.rotate()).toThrow(/OPENSENTIENCE_ADMIN_TOKEN/);
});

test("constant-time comparison handles any length; login URL encodes the token", () => {
  expect(tokensEqual("abc", "abc")).toBe(true);
  expect(tokensEqual("abc", "abd")).toBe(false);
  expect(tokensEqual("abc", "abcd")).toBe(false);
  expect(tokensEqual("abc", "")).toBe(false);
  expect(loginUrl("http://127.0.0.1:6767/", "a b")).toBe("http://opensentience.localhost:6767/login?token=a%20b");
});

test("the fingerprint follows the token: same token same fingerprint, whatever its source; never the token itself", () => {
  const path = tokenPath();
  const a = AdminToken.load(path, {});
  expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  expect(a.fingerprint).toBe(tokenFingerprint(a.reveal()));
  expect(AdminToken.load(path, {}).fingerprint).toBe(a.fingerprint); // a restart keeps sessions
  expect(a.fingerprint).not.toContain(a.reveal());
  const env = (v: string) => AdminToken.load(path, { OPENSENTIENCE_ADMIN_TOKEN: v }).fingerprint;
  expect(env("e".repeat(40))).toBe(env("e".repeat(40)));
  expect(env("e".repeat(40))).not.toBe(env("f".repeat(40)));
  expect(env(a.reveal())).toBe(a.fingerprint);
});
