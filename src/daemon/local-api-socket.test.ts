import { afterAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminToken } from "../api/auth/admin-token.ts";
import { AppError } from "../core/errors.ts";
import { leaveStaleSocket } from "../../test/helpers/stale-socket.ts";
import { forwardedRequest, isSocket, listenLocalApi } from "./local-api-socket.ts";

const URL_ = "http://127.0.0.1:6767";
const dir = mkdtempSync(join(tmpdir(), "os-lapi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The daemon's usual token: a file (created here, 0600), which the socket stands in for.
const token = AdminToken.load(join(dir, "admin.token"), {});
const TOKEN = token.reveal();

describe("forwardedRequest", () => {
  test("hands the request on as the TCP listener's, with the admin token and no credentials of its own", async () => {
    const req = new Request("http://whatever.example:1/api/v1/agents/x?limit=2", {
      method: "POST",
      headers: { authorization: "Bearer nope", cookie: "s=1", origin: "http://evil.example", referer: "http://evil.example/", "content-type": "application/json", "x-opensentience-client": "cli" },
      body: '{"a":1}',
    });
    const fwd = forwardedRequest(req, URL_, token);
    if (fwd instanceof AppError) throw fwd;
    expect(fwd.url).toBe("http://127.0.0.1:6767/api/v1/agents/x?limit=2");
    expect(fwd.method).toBe("POST");
    expect(fwd.headers.get("host")).toBe("127.0.0.1:6767");
    expect(fwd.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    for (const h of ["cookie", "origin", "referer"]) expect(fwd.headers.get(h)).toBeNull();
    expect(fwd.headers.get("x-opensentience-client")).toBe("cli");
    expect(await fwd.text()).toBe('{"a":1}');
  });

  test("refuses every path outside /api/, however it is spelled", () => {
    for (const path of ["/", "/login", "/mcp", "/events", "/metrics", "/api", "/apix/v1", "/api/../login", "/api/%2e%2e/login", "/assets/x.js"]) {
      const fwd = forwardedRequest(new Request(`http://localhost${path}`), URL_, token);
      const refused = fwd instanceof AppError && fwd.code === "not_found";
      // "/api/%2e%2e/login" is normalised by the URL parser to "/login" as well.
      expect({ path, refused }).toEqual({ path, refused: true });
    }
  });

  test("the caller-gone signal follows the socket request's", () => {
    const ctl = new AbortController();
    const fwd = forwardedRequest(new Request("http://localhost/api/v1/health", { signal: ctl.signal }), URL_, token);
    if (fwd instanceof AppError) throw fwd;
    expect(fwd.signal.aborted).toBe(false);
    ctl.abort();
    expect(fwd.signal.aborted).toBe(true);
  });
});

describe("listenLocalApi", () => {
  const warnings: string[] = [];
  const infos: string[] = [];
  const log = { info: (m: string) => infos.push(m), warn: (m: string) => warnings.push(m) };
  const handler = async (req: Request) => Response.json({ auth: req.headers.get("authorization") });

  test("a socket that cannot be made: null, and a warning naming the fallback", () => {
    expect(listenLocalApi({ path: join(dir, "missing-dir", "api.sock"), url: URL_, token, handler, log })).toBeNull();
    expect(warnings.at(-1)).toContain("cannot listen");
    expect(warnings.at(-1)).toContain(URL_);
  });

  test("a token from the environment: no socket, and one an earlier run left is removed", async () => {
    const path = join(dir, "env.sock");
    await leaveStaleSocket(path);
    expect(isSocket(path)).toBe(true);
    const envToken = AdminToken.load(join(dir, "unused.token"), { OPENSENTIENCE_ADMIN_TOKEN: "e".repeat(48) });
    expect(listenLocalApi({ path, url: URL_, token: envToken, handler, log })).toBeNull();
    expect(infos.at(-1)).toContain("local API socket: off");
    expect(isSocket(path)).toBe(false);
  });

  test("a stale socket is taken over; a regular file is left alone and reported", async () => {
    const path = join(dir, "stale.sock");
    await leaveStaleSocket(path);
    const s = listenLocalApi({ path, url: URL_, token, handler, log });
    expect(s).not.toBeNull();
    expect((await fetch("http://localhost/api/v1/x", { unix: path })).status).toBe(200);
    await s!.stop();
    writeFileSync(path, "mine");
    expect(listenLocalApi({ path, url: URL_, token, handler, log })).toBeNull();
    expect(warnings.at(-1)).toContain("is not a socket");
    expect(readFileSync(path, "utf8")).toBe("mine");
  });

  test("listens with mode 0600, answers through the handler, removes its socket on stop", async () => {
    const path = join(dir, "api.sock");
    const s = listenLocalApi({ path, url: URL_, token, handler, log });
    expect(s).not.toBeNull();
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    const res = await fetch("http://localhost/api/v1/health", { unix: path });
    expect(await res.json()).toEqual({ auth: `Bearer ${TOKEN}` });
    const refused = await fetch("http://localhost/", { unix: path });
    expect(refused.status).toBe(404);
    await s!.stop();
    expect(() => lstatSync(path)).toThrow();
  });
});
