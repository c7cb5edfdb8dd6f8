/**
 * Browser sessions of the compiled daemon live in the catalog: they outlive
 * the daemon process (even `kill -9`) but never the admin token they were
 * created under, however that token changed (`token --rotate` through the
 * daemon, a rotation while the daemon was down, another env token).
 */
import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeSandbox, runOk, type Sandbox, type ServeHandle, startServe, stopAllDaemons } from "../helpers/binary.ts";
import { type HttpSession, loginOverHttp } from "../helpers/web-daemon.ts";

setDefaultTimeout(120_000);

const boxes: Sandbox[] = [];
afterEach(async () => {
  await stopAllDaemons();
  for (const b of boxes.splice(0)) b.cleanup();
});
afterAll(stopAllDaemons);

function sandbox(): Sandbox {
  const b = makeSandbox({ prefix: "os-sessions-e2e-" });
  boxes.push(b);
  return b;
}

interface Served {
  handle: ServeHandle;
  url: string;
  port: number;
  loginUrl: string;
}

/** `serve` on `port` (a fresh one when omitted, so a restart can reuse it: the cookie name carries the port). */
async function serve(box: Sandbox, port?: number, env: Record<string, string> = {}): Promise<Served> {
  const handle = await startServe({ sandbox: box, args: port === undefined ? [] : ["--port", String(port)], env });
  const url = handle.info.url;
  const token = env.OPENSENTIENCE_ADMIN_TOKEN ?? readFileSync(join(box.home, "admin.token"), "utf8").trim();
  return { handle, url, port: Number(new URL(url).port), loginUrl: `${url}/login?token=${encodeURIComponent(token)}` };
}

/** An authenticated page: 200 with a live session, 303 to /login without. */
async function agentsPage(d: Served, s: HttpSession): Promise<{ status: number; location: string | null }> {
  const r = await fetch(`${d.url}/agents`, { headers: { cookie: s.cookie }, redirect: "manual" });
  await r.body?.cancel();
  return { status: r.status, location: r.headers.get("location") };
}

async function whoami(d: Served, s: HttpSession): Promise<{ status: number; kind?: string }> {
  const r = await fetch(`${d.url}/api/v1/auth/whoami`, { headers: { cookie: s.cookie } });
  const body = (await r.json()) as { kind?: string };
  return { status: r.status, kind: body.kind };
}

/** A CSRF-protected state change with the cookie (the UI's "rescan"). */
async function rescan(d: Served, s: HttpSession, csrf: string | null): Promise<number> {
  const headers: Record<string, string> = { cookie: s.cookie, origin: d.url, "content-type": "application/json" };
  if (csrf !== null) headers["x-csrf-token"] = csrf;
  const r = await fetch(`${d.url}/api/v1/discovery/run`, { method: "POST", headers, body: "{}" });
  await r.body?.cancel();
  return r.status;
}

const refused = { status: 303, location: "/login" };

describe("browser sessions across daemon restarts", () => {
  test("a session survives kill -9 and a restart (page, API, CSRF-checked POST); token --rotate through the daemon ends it", async () => {
    const box = sandbox();
    const first = await serve(box);
    const s = await loginOverHttp(first);
    expect(await agentsPage(first, s)).toEqual({ status: 200, location: null });

    expect(await first.handle.stop("SIGKILL")).toBeNull();
    const second = await serve(box, first.port);
    expect(second.url).toBe(first.url);
    expect(second.handle.pid).not.toBe(first.handle.pid);

    expect(await agentsPage(second, s)).toEqual({ status: 200, location: null });
    expect(await whoami(second, s)).toEqual({ status: 200, kind: "session" });
    expect(await rescan(second, s, s.csrf)).toBe(200);
    expect(await rescan(second, s, null)).toBe(403); // the CSRF check is still enforced
    expect(await rescan(second, s, "0".repeat(64))).toBe(403);

    // The catalog holds a digest of the cookie value, never the value (catalog, WAL, everything in the data dir).
    const cookieValue = s.cookie.split("=")[1]!;
    const files = [...new Bun.Glob("**/*").scanSync({ cwd: box.home, dot: true })].filter((f) => statSync(join(box.home, f)).isFile());
    expect(files).toContain("catalog.db");
    const holders = files.filter((f) => readFileSync(join(box.home, f)).includes(cookieValue));
    expect(holders).toEqual([]);

    const rotated = (await runOk(["token", "--rotate", "--json"], { sandbox: box })).json<{ daemon_running: boolean; sessions_revoked: number }>();
    expect(rotated).toMatchObject({ daemon_running: true, sessions_revoked: 1 });
    expect(await agentsPage(second, s)).toEqual(refused);
    expect(await whoami(second, s)).toEqual({ status: 401, kind: undefined });
    expect(await rescan(second, s, s.csrf)).toBe(401);
  });

  test("a token rotated while the daemon was down ends the sessions made under the old one", async () => {
    const box = sandbox();
    const first = await serve(box);
    const s = await loginOverHttp(first);
    expect(await agentsPage(first, s)).toEqual({ status: 200, location: null });
    expect(await first.handle.stop()).toBe(0);

    const rotated = (await runOk(["token", "--rotate", "--json"], { sandbox: box })).json<{ daemon_running: boolean; rotated: boolean }>();
    expect(rotated).toMatchObject({ daemon_running: false, rotated: true });

    const second = await serve(box, first.port);
    expect(await agentsPage(second, s)).toEqual(refused);
    expect(await whoami(second, s)).toEqual({ status: 401, kind: undefined });
    expect(await rescan(second, s, s.csrf)).toBe(401);
    // The daemon itself is fine: the new token logs in.
    const fresh = await loginOverHttp(second);
    expect(await agentsPage(second, fresh)).toEqual({ status: 200, location: null });
  });

  test("OPENSENTIENCE_ADMIN_TOKEN: the same token keeps sessions across a restart, another one ends them", async () => {
    const box = sandbox();
    const tokenA = `env-token-A-${"a".repeat(40)}`;
    const tokenB = `env-token-B-${"b".repeat(40)}`;
    const first = await serve(box, undefined, { OPENSENTIENCE_ADMIN_TOKEN: tokenA });
    const s = await loginOverHttp(first);
    await first.handle.stop();

    const sameToken = await serve(box, first.port, { OPENSENTIENCE_ADMIN_TOKEN: tokenA });
    expect(await agentsPage(sameToken, s)).toEqual({ status: 200, location: null });
    await sameToken.handle.stop();

    const otherToken = await serve(box, first.port, { OPENSENTIENCE_ADMIN_TOKEN: tokenB });
    expect(await agentsPage(otherToken, s)).toEqual(refused);
    expect(await whoami(otherToken, s)).toEqual({ status: 401, kind: undefined });
  });
});
