/**
 * Hostile registry URLs through the compiled binary (issue 12.2, 12.4): ssh
 * option injection hidden in brackets or percent-escapes, and credentials,
 * are refused by `POST /api/v1/registries` and by `opensentience registry add`
 * (through the running daemon and without one). Nothing is stored, nothing
 * reaches git, and no secret lands in the catalog or the audit log.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSandbox, runBinary, type Sandbox, type ServeHandle, startServe, stopAllDaemons } from "../helpers/binary.ts";

setDefaultTimeout(60_000);

let box: Sandbox;
let daemon: ServeHandle;
const SECRET = "s3cret-t0ken-value";

beforeAll(async () => {
  box = makeSandbox({ prefix: "os-url-" });
  daemon = await startServe({ sandbox: box });
});
afterAll(async () => {
  await stopAllDaemons();
  box?.cleanup();
});

const marker = () => box.path("pwned");
/** [url, fragment of the refusal] — each would hand ssh an option, or store a secret. */
const HOSTILE = (): Array<[string, string]> => [
  // git percent-decodes ssh:// URLs before splitting them, so these reach it as `touch /…/pwned`.
  [`ssh://[-oProxyCommand=touch%20${encodeURIComponent(marker())}]/x`, "host in brackets must be an IPv6 address"],
  [`ssh://%2doProxyCommand=touch%20${encodeURIComponent(marker())}/x`, "host must not start with '-' after percent-decoding"],
  [`ssh://%2DoProxyCommand=touch/x`, "host must not start with '-' after percent-decoding"],
  [`ssh://git@[-oProxyCommand=touch]:22/x`, "host in brackets must be an IPv6 address"],
  [`ssh://%2doProxyCommand=x@example.com/x`, "user must not start with '-' after percent-decoding"],
  [`ssh://exa%20mple.com/x`, "whitespace or control characters after percent-decoding"],
  [`git@[-oProxyCommand=touch]:x`, "not bracketed"],
  [`https://deploy:${SECRET}@git.example.com/r.git`, "must not embed credentials"],
  [`https://${SECRET}@git.example.com/r.git`, "must not embed credentials"],
  [`ssh://git:${SECRET}@git.example.com/r.git`, "must not embed credentials"],
];

function token(): string {
  return readFileSync(join(box.home, "admin.token"), "utf8").trim();
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${daemon.info.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", ...init.headers } });
}

describe("POST /api/v1/registries", () => {
  test("refuses every hostile URL with 400 invalid_argument and the reason", async () => {
    for (const [url, reason] of HOSTILE()) {
      const res = await api("/registries", { method: "POST", body: JSON.stringify({ name: "team", git_url: url }) });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ url, status: res.status, code: body.error.code }).toEqual({ url, status: 400, code: "invalid_argument" });
      expect(body.error.message).toContain(reason);
      expect(body.error.message).not.toContain(SECRET);
    }
    expect(((await (await api("/registries")).json()) as { registries: unknown[] }).registries).toEqual([]);
  });

  test("a plain ssh URL with a user, port and IPv6 literal is still accepted", async () => {
    const res = await api("/registries", { method: "POST", body: JSON.stringify({ name: "v6", git_url: "ssh://git@[2001:db8::1]:2222/team/registry.git" }) });
    expect(res.status).toBe(201);
    expect((await api("/registries/v6", { method: "DELETE" })).status).toBe(200);
  });
});

describe("opensentience registry add", () => {
  test("through the running daemon and without one, each hostile URL exits 1 with the reason", async () => {
    for (const withDaemon of [true, false]) {
      if (!withDaemon) await daemon.stop();
      for (const [url, reason] of HOSTILE()) {
        const r = await runBinary(["registry", "add", "team", url], { sandbox: box });
        expect({ url, withDaemon, code: r.code }).toEqual({ url, withDaemon, code: 1 });
        expect(r.stderr).toContain(reason);
        expect(r.stderr).not.toContain(SECRET);
      }
    }
    // `registry sync` of everything has nothing to reach git with. (Run without the daemon: after a sync
    // through it, the daemon currently does not finish a SIGTERM shutdown — a separate, older bug.)
    expect((await runBinary(["registry", "sync"], { sandbox: box })).code).toBe(0);
    const list = await runBinary(["registry", "list", "--json"], { sandbox: box });
    expect(list.json<{ registries: unknown[] }>().registries).toEqual([]);
    daemon = await startServe({ sandbox: box });
  });

  test("no ssh ever ran, and no secret is in the catalog or the audit log", async () => {
    expect(existsSync(marker())).toBe(false);
    const audit = await (await api("/audit?action=registry.add&limit=1000")).text();
    expect(audit).toContain('"outcome":"error"');
    expect(audit).not.toContain(SECRET);
    const stored = readdirSync(box.home)
      .filter((f) => f.startsWith("catalog.db"))
      .map((f) => readFileSync(join(box.home, f)).toString("latin1"))
      .join("");
    expect(stored).not.toContain(SECRET);
  });
});
