/**
 * The session cookie and other web servers on 127.0.0.1 (issue 12.5), in real
 * Chromium against the compiled daemon. Cookies are scoped by host name, not
 * port, so a session cookie set for 127.0.0.1 rides along to any other server
 * the browser visits on 127.0.0.1. The printed login link therefore uses the
 * UI's own loopback name, `opensentience.localhost` (Chromium resolves
 * `*.localhost` itself): logged in there, a bystander server on 127.0.0.1 sees
 * no session cookie, while 127.0.0.1 still works for scripts. The control
 * (a login on 127.0.0.1) shows the bystander really would receive it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Server } from "bun";
import { launchBrowser, type LaunchedBrowser } from "../helpers/browser.ts";
import { type RunningDaemon, runBinary, startWebDaemon } from "../helpers/web-daemon.ts";

setDefaultTimeout(60_000);

let daemon: RunningDaemon;
let bystander: Server<undefined>;
/** Cookie headers the bystander received, by path. */
const seen = new Map<string, string>();

beforeAll(async () => {
  daemon = await startWebDaemon();
  bystander = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      seen.set(new URL(req.url).pathname, req.headers.get("cookie") ?? "");
      return new Response("<!doctype html><title>another local server</title>", { headers: { "content-type": "text/html" } });
    },
  });
});

afterAll(async () => {
  bystander?.stop(true);
  await daemon?.stop();
});

const sessionCookie = () => `os_session_${daemon.port}`;

async function withBrowser(fn: (b: LaunchedBrowser) => Promise<void>): Promise<void> {
  const b = await launchBrowser();
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

describe("the login link the CLI prints", () => {
  test("names opensentience.localhost; the session lives there and no other 127.0.0.1 server gets it", async () => {
    const printed = JSON.parse((await runBinary(["token", "--json"], daemon.home.env)).stdout) as { login_url: string };
    expect(printed.login_url).toBe(`http://opensentience.localhost:${daemon.port}/login?token=${daemon.token}`);
    await withBrowser(async (b) => {
      const page = await b.newPage();
      await page.goto(printed.login_url);
      expect(page.url()).toBe(`http://opensentience.localhost:${daemon.port}/agents`);
      expect(await page.locator("h1").first().textContent()).toContain("Agents");
      const cookies = (await b.context.cookies()).filter((c) => c.name === sessionCookie());
      expect(cookies.map((c) => c.domain)).toEqual(["opensentience.localhost"]);

      await page.goto(`http://127.0.0.1:${bystander.port}/after-name-login`);
      expect(seen.get("/after-name-login")).not.toContain(sessionCookie());
      // The daemon itself on 127.0.0.1 does not know this browser either (the cookie is host-scoped).
      await page.goto(`${daemon.url}/agents`);
      expect(new URL(page.url()).pathname).toBe("/login");
    });
  });

  test("control: a login on 127.0.0.1 hands the session cookie to every server on 127.0.0.1", async () => {
    await withBrowser(async (b) => {
      const page = await b.newPage();
      await page.goto(daemon.loginUrl); // http://127.0.0.1:<port>/login?token=…
      expect(page.url()).toBe(`${daemon.url}/agents`);
      await page.goto(`http://127.0.0.1:${bystander.port}/after-ip-login`);
      expect(seen.get("/after-ip-login")).toContain(sessionCookie());
    });
  });

  test("scripts keep using 127.0.0.1", async () => {
    expect((await daemon.api("/api/v1/health")).status).toBe(200);
  });
});
