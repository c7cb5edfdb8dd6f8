import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../db/open.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { ClientTokens } from "./client-tokens.ts";

const dir = mkdtempSync(join(tmpdir(), "os-ct-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  const store = openDb(join(dir, `${crypto.randomUUID()}.db`));
  let t = Date.parse("2026-03-01T00:00:00Z");
  const clock = { now: () => t, iso: () => new Date(t).toISOString() };
  const audit = new AuditLog(store.sqlite, store.db, clock);
  const tokens = new ClientTokens({ sqlite: store.sqlite, audit, clock });
  return { store, audit, tokens, advance: (ms: number) => (t += ms) };
}

test("create shows the secret once and stores only a digest; verify finds name and scope", () => {
  const { store, tokens, audit } = setup();
  const c = tokens.create("claude", "com.x.agent/*, com.y.other/read", { actor: "cli" });
  expect(c.token).toMatch(/^osct_[A-Za-z0-9_-]{43}$/);
  expect(c.tools).toEqual(["com.x.agent/*", "com.y.other/read"]);
  const dump = JSON.stringify(store.sqlite.query("SELECT * FROM client_tokens").all());
  expect(dump).not.toContain(c.token);
  expect(dump).not.toContain(c.token.slice(5));
  expect(tokens.verify(c.token)).toEqual({ name: "claude", scope: ["com.x.agent/*", "com.y.other/read"] });
  expect(tokens.verify(`${c.token}x`)).toBeNull();
  expect(tokens.verify("nope")).toBeNull();
  expect(JSON.stringify(audit.query({ action: "client_token.create" }))).not.toContain(c.token);
  expect(() => tokens.create("claude", "*", { actor: "cli" })).toThrow(/already exists/);
  expect(() => tokens.create("Bad Name", "*", { actor: "cli" })).toThrow(/must match/);
  expect(() => tokens.create("x", "not a pattern", { actor: "cli" })).toThrow(/tool pattern/);
});

test("revoke deletes, audits and tells listeners; the token stops verifying", () => {
  const { tokens, audit } = setup();
  const c = tokens.create("cursor", "*", { actor: "ui" });
  const heard: string[] = [];
  tokens.onRevoke((n) => heard.push(n));
  expect(tokens.revoke("cursor", { actor: "cli" })).toEqual({ name: "cursor" });
  expect(heard).toEqual(["cursor"]);
  expect(tokens.verify(c.token)).toBeNull();
  expect(() => tokens.revoke("cursor", { actor: "cli" })).toThrow(/no client token/);
  expect(audit.query({ action: "client_token.revoke" }).map((e) => e.details)).toEqual([{ name: "cursor" }]);
});

test("last use is recorded with the client, throttled", () => {
  const { tokens, advance } = setup();
  tokens.create("vscode", "*", { actor: "cli" });
  tokens.noteUse("vscode", "vscode/1.0");
  const first = tokens.get("vscode");
  expect(first.lastClient).toBe("vscode/1.0");
  advance(1000);
  tokens.noteUse("vscode");
  expect(tokens.get("vscode").lastUsedAt).toBe(first.lastUsedAt);
  advance(20_000);
  tokens.noteUse("vscode");
  expect(tokens.get("vscode").lastUsedAt).not.toBe(first.lastUsedAt);
  expect(tokens.get("vscode").lastClient).toBe("vscode/1.0");
});
