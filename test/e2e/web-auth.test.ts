/**
 * The admin token and browser sessions of the compiled daemon: token file
 * creation and refusal (symlink, loose mode, writable data dir), the env
 * token, `opensentience token [--rotate]`, the login link and form, logout,
 * and rate limiting of failed logins and bearer calls.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { auditEvents, loginOverHttp, type RunningDaemon, runBinary, startWebDaemon, tempHome, type TempHome } from "../helpers/web-daemon.ts";
import { tamperLastChar } from "../helpers/tamper.ts";

setDefaultTimeout(60_000);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function home(): TempHome {
  const h = tempHome();
  cleanups.push(() => h.cleanup());
  return h;
}

async function daemon(opts: Parameters<typeof startWebDaemon>[0] = {}): Promise<RunningDaemon> {
  const d = await startWebDaemon(opts);
  cleanups.push(() => d.stop());
  return d;
}

describe("token file", () => {
  test("created on first run: 64 hex chars, mode 0600, and the login URL never goes to a non-terminal stderr", async () => {
    const h = home();
    const d = await daemon({ home: h });
    const path = join(h.home, "admin.token");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(d.loginUrl).toBe(`${d.url}/login?token=${d.token}`);
    // stderr is a pipe here (as under systemd): the token-bearing link is never printed to it.
    expect(d.stderr()).toContain(`Open the admin UI at ${d.url}`);
    expect(d.stderr()).not.toContain(d.token);
    // Kept across restarts.
    await d.stop();
    cleanups.pop();
    const again = await daemon({ home: h });
    expect(again.token).toBe(d.token);
  });

  test("the token is stored nowhere but admin.token (not in the catalog, audit or daemon file)", async () => {
    const h = home();
    const d = await daemon({ home: h });
    await loginOverHttp(d);
    await fetch(`${d.url}/login?token=${tamperLastChar(d.token)}`, { headers: { "sec-fetch-site": "none" } });
    await d.api("/api/v1/discovery/run", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    await d.stop();
    cleanups.pop();
    const holders = [...new Bun.Glob("**/*").scanSync({ cwd: h.home, dot: true })].filter((f) => readFileSync(join(h.home, f)).includes(d.token.slice(0, 40)));
    expect(holders).toEqual(["admin.token"]);
    expect(d.stderr()).not.toContain(d.token); // stderr is not a terminal here: the login link is never printed to it
  });

  test("a pre-planted symlink is refused: one-line error, exit 1, target untouched, nothing started", async () => {
    const h = home();
    const target = join(h.dir, "attacker-controlled");
    writeFileSync(target, "a".repeat(64));
    chmodSync(target, 0o600);
    symlinkSync(target, join(h.home, "admin.token"));
    const r = await runBinary(["serve", "--port", "0"], h.env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("symlink");
    expect(lines[0]).not.toContain("REDACTED");
    expect(readFileSync(target, "utf8")).toBe("a".repeat(64));
    expect(lstatSync(join(h.home, "admin.token")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(h.home, "daemon.json"))).toBe(false);
    expect(existsSync(join(h.home, "daemon.lock"))).toBe(false);
  });

  test("a dangling symlink is refused too (never created through it)", async () => {
    const h = home();
    const target = join(h.dir, "would-be-created");
    symlinkSync(target, join(h.home, "admin.token"));
    const r = await runBinary(["serve", "--port", "0"], h.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("symlink");
    expect(existsSync(target)).toBe(false);
  });

  test("a token file with group/other permissions (0644, 0640) is refused", async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const h = home();
      const path = join(h.home, "admin.token");
      writeFileSync(path, `${"b".repeat(64)}\n`);
      chmodSync(path, mode);
      const r = await runBinary(["serve", "--port", "0"], h.env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n").length).toBe(1);
      expect(r.stderr).toContain(`mode ${mode.toString(8)}`);
      expect(r.stderr).not.toContain("REDACTED");
      expect(existsSync(join(h.home, "daemon.json"))).toBe(false);
    }
  });

  test("a corrupt token file and a group-writable data dir are refused", async () => {
    const h = home();
    writeFileSync(join(h.home, "admin.token"), "short\n", { mode: 0o600 });
    const r = await runBinary(["serve", "--port", "0"], h.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("corrupt");
    const h2 = home();
    chmodSync(h2.home, 0o770);
    const r2 = await runBinary(["serve", "--port", "0"], h2.env);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("writable");
  });

  test("OPENSENTIENCE_ADMIN_TOKEN replaces the file; a weak one is refused", async () => {
    const h = home();
    const token = "env-supplied-token-0123456789abcdef-XYZ";
    const d = await daemon({ home: h, env: { OPENSENTIENCE_ADMIN_TOKEN: token } });
    expect(existsSync(join(h.home, "admin.token"))).toBe(false);
    expect((await d.api("/api/v1/health")).status).toBe(200);
    expect(d.loginUrl).toContain(encodeURIComponent(token));
    // The CLI without the variable cannot print a working URL, and says why.
    const cli = await runBinary(["token"], h.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("OPENSENTIENCE_ADMIN_TOKEN");
    const withEnv = await runBinary(["token", "--json"], { ...h.env, OPENSENTIENCE_ADMIN_TOKEN: token });
    // Printed for browsers under the UI's own loopback name (its cookie is not shared with other 127.0.0.1 servers).
    expect(JSON.parse(withEnv.stdout)).toMatchObject({ login_url: `http://opensentience.localhost:${d.port}/login?token=${encodeURIComponent(token)}`, token_source: "env", token_file: null });
    const weak = await runBinary(["serve", "--port", "0"], { ...home().env, OPENSENTIENCE_ADMIN_TOKEN: "short" });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("OPENSENTIENCE_ADMIN_TOKEN");
  });
});

describe("opensentience token", () => {
  test("prints the login URL of the running daemon; without a daemon it says so", async () => {
    const h = home();
    const offline = await runBinary(["token"], h.env);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/\/login\?token=[0-9a-f]{64}/);
    expect(offline.stdout).toContain("not running");
    const d = await daemon({ home: h });
    const online = await runBinary(["token", "--json"], h.env);
    const out = JSON.parse(online.stdout) as { login_url: string; daemon_running: boolean; token_file: string };
    expect(out).toMatchObject({ login_url: `http://opensentience.localhost:${d.port}/login?token=${d.token}`, daemon_running: true, token_file: join(h.home, "admin.token") });
  });

  test("--rotate with a running daemon: new token works, old token and old sessions do not, audited as cli", async () => {
    const h = home();
    const d = await daemon({ home: h });
    const session = await loginOverHttp(d);
    const r = await runBinary(["token", "--rotate", "--json"], h.env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { login_url: string; rotated: boolean; sessions_revoked: number };
    expect(out.rotated).toBe(true);
    expect(out.sessions_revoked).toBe(1);
    const fresh = readFileSync(join(h.home, "admin.token"), "utf8").trim();
    expect(fresh).not.toBe(d.token);
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(h.home, "admin.token")).mode & 0o777).toBe(0o600);
    expect(out.login_url).toBe(`http://opensentience.localhost:${d.port}/login?token=${fresh}`);
    expect((await d.api("/api/v1/health")).status).toBe(401);
    expect((await fetch(`${d.url}/api/v1/health`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
    const old = await fetch(`${d.url}/agents`, { headers: { cookie: session.cookie }, redirect: "manual" });
    expect(old.status).toBe(303);
    expect(old.headers.get("location")).toBe("/login");
    const events = await (await fetch(`${d.url}/api/v1/audit?action=auth.token_rotate`, { headers: { authorization: `Bearer ${fresh}` } })).json();
    expect((events as { events: Array<{ actor: string; outcome: string }> }).events).toMatchObject([{ actor: "cli", outcome: "ok" }]);
  });

  test("--rotate without a daemon rotates the file and audits locally; refused for an env token", async () => {
    const h = home();
    await runBinary(["token"], h.env);
    const before = readFileSync(join(h.home, "admin.token"), "utf8");
    const r = await runBinary(["token", "--rotate"], h.env);
    expect(r.code).toBe(0);
    expect(readFileSync(join(h.home, "admin.token"), "utf8")).not.toBe(before);
    const audit = await runBinary(["audit", "--action", "auth.token_rotate", "--json"], h.env);
    expect((JSON.parse(audit.stdout) as { events: Array<{ actor: string }> }).events.map((e) => e.actor)).toEqual(["cli"]);
    const env = await runBinary(["token", "--rotate"], { ...h.env, OPENSENTIENCE_ADMIN_TOKEN: "x".repeat(40) });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("OPENSENTIENCE_ADMIN_TOKEN");
  });
});

describe("browser login over HTTP", () => {
  test("login link → session cookie → 302 to a URL without the token; audited", async () => {
    const d = await daemon();
    const r = await fetch(d.loginUrl, { redirect: "manual", headers: { "sec-fetch-site": "none" } });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/agents");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith(`os_session_${d.port}=`))!;
    expect(cookie).toMatch(/^os_session_\d+=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    expect((await auditEvents(d)).find((e) => e.action === "auth.login")).toMatchObject({ actor: "ui", outcome: "ok", details: { via: "link" } });
  });

  test("a login link followed from another site is refused and creates no session", async () => {
    const d = await daemon();
    for (const site of ["cross-site", "same-site"]) {
      const r = await fetch(d.loginUrl, { redirect: "manual", headers: { "sec-fetch-site": site } });
      expect(r.status).toBe(403);
      expect(r.headers.getSetCookie().some((c) => c.startsWith("os_session_"))).toBe(false);
    }
    expect((await auditEvents(d)).filter((e) => e.action === "auth.login")).toEqual([]);
  });

  test("the login form needs its pre-login CSRF token and our Origin", async () => {
    const d = await daemon();
    const page = await fetch(`${d.url}/login`);
    const loginCookie = page.headers.getSetCookie().find((c) => c.startsWith(`os_login_${d.port}=`))!.split(";")[0]!;
    const csrf = /name="_csrf" value="([0-9a-f]+)"/.exec(await page.text())![1]!;
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${d.url}/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
    const body = `token=${d.token}&_csrf=${csrf}`;
    expect((await post({ cookie: loginCookie, origin: "http://evil.com" }, body)).status).toBe(403);
    expect((await post({ origin: d.url }, body)).status).toBe(403); // no pre-login cookie
    expect((await post({ cookie: loginCookie, origin: d.url }, `token=${d.token}`)).status).toBe(403);
    expect((await auditEvents(d)).filter((e) => e.action === "auth.login")).toEqual([]);
    const ok = await post({ cookie: loginCookie, origin: d.url }, body);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/agents");
  });

  test("logout ends the session (POST with CSRF) and is audited", async () => {
    const d = await daemon();
    const s = await loginOverHttp(d);
    const noCsrf = await fetch(`${d.url}/logout`, { method: "POST", redirect: "manual", headers: { cookie: s.cookie, origin: d.url } });
    expect(noCsrf.status).toBe(403);
    const out = await fetch(`${d.url}/logout`, { method: "POST", redirect: "manual", headers: { cookie: s.cookie, origin: d.url, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${s.csrf}` });
    expect(out.status).toBe(303);
    expect((await fetch(`${d.url}/agents`, { headers: { cookie: s.cookie }, redirect: "manual" })).status).toBe(303);
    expect((await auditEvents(d)).some((e) => e.action === "auth.logout" && e.actor === "ui")).toBe(true);
  });

  test("failed logins are audited and rate-limited (even the right token waits)", async () => {
    const d = await daemon();
    const attempt = (token: string) => fetch(`${d.url}/login?token=${token}`, { redirect: "manual", headers: { "sec-fetch-site": "none" } });
    for (let i = 0; i < 10; i++) expect((await attempt("f".repeat(64))).status).toBe(401);
    const limited = await attempt("f".repeat(64));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await attempt(d.token)).status).toBe(429);
    const denied = (await auditEvents(d)).filter((e) => e.action === "auth.login");
    expect(denied.length).toBe(10);
    expect(denied.every((e) => e.outcome === "denied")).toBe(true);
  });

  test("failed bearer calls are rate-limited", async () => {
    const d = await daemon();
    let status = 0;
    for (let i = 0; i < 31 && status !== 429; i++) status = (await fetch(`${d.url}/api/v1/health`, { headers: { authorization: `Bearer ${"0".repeat(64)}` } })).status;
    expect(status).toBe(429);
    expect((await d.api("/api/v1/health")).status).toBe(429);
  });
});
