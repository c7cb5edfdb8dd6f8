// Real sockets only; every destination is 127.0.0.1 (approved literally) or the name localhost.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../../../test/helpers/binary.ts";
import { type EgressAuditEvent, type EgressProxy, type EgressProxyOptions, originHead, parseProxyRequest, startEgressProxy } from "./egress-proxy.ts";

let root: string;
let http: ReturnType<typeof Bun.serve>;
let echo: Server;
let echoPort: number;
const echoSockets = new Set<Socket>();
let halfServer: Server;
let halfPort: number;
const proxies: EgressProxy[] = [];
let seq = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "egress-"));
  http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      return Response.json({ method: req.method, path: url.pathname + url.search, headers, body: await req.text() });
    },
  });
  echo = createServer((s) => {
    echoSockets.add(s);
    s.on("close", () => echoSockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  echoPort = await listen(echo);
  // Reads until the client's FIN, then answers and closes: needs a working half-close.
  halfServer = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on("data", (d) => (n += d.length));
    s.on("end", () => s.end(`got ${n} bytes`));
    s.on("error", () => {});
  });
  halfPort = await listen(halfServer);
});

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(() => {
  http.stop(true);
  echo.close();
  halfServer.close();
  rmSync(root, { recursive: true, force: true });
});

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)));
}

async function proxy(allow: string[], extra: Partial<EgressProxyOptions> = {}): Promise<{ proxy: EgressProxy; audits: EgressAuditEvent[] }> {
  const audits: EgressAuditEvent[] = [];
  const p = await startEgressProxy({ agentId: "com.example.test", socketPath: join(root, `run${++seq}`, "egress.sock"), allow, audit: (e) => audits.push(e), ...extra });
  proxies.push(p);
  return { proxy: p, audits };
}

/** A client on the proxy's Unix socket that collects everything it receives. */
class Client {
  data = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }
  /** `allowHalfOpen` false (the default) behaves like an ordinary client: the proxy's FIN closes it. */
  static open(path: string, allowHalfOpen = false): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path, allowHalfOpen });
      s.once("connect", () => resolve(new Client(s)));
      s.once("error", reject);
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  get text(): string {
    return this.data.toString("latin1");
  }
  async until(cond: () => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out; received so far: ${JSON.stringify(this.text.slice(0, 300))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  has(s: string): Promise<void> {
    return this.until(() => this.text.includes(s));
  }
  closedNow(): Promise<void> {
    return this.until(() => this.closed);
  }
}

async function request(path: string, raw: string | Buffer, allowHalfOpen = false): Promise<Client> {
  const c = await Client.open(path, allowHalfOpen);
  c.socket.write(raw);
  return c;
}


describe("CONNECT tunnels", () => {
  test("an approved literal: 200, then bytes both ways (early data included), audited as allowed", async () => {
    const { proxy: p, audits } = await proxy([`127.0.0.1:${echoPort}`]);
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\nearly`);
    await c.has("HTTP/1.1 200 Connection established\r\n\r\nearly");
    c.socket.write("hello through the tunnel");
    await c.has("hello through the tunnel");
    expect(audits).toEqual([{ host: "127.0.0.1", port: echoPort, allowed: true }]);
    c.socket.destroy();
  });

  test("a large transfer keeps its bytes and order (back-pressure)", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`]);
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("\r\n\r\n");
    const head = c.data.length;
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    c.socket.write(payload);
    await c.until(() => c.data.length >= head + payload.length, 20_000);
    expect(c.data.subarray(head).equals(payload)).toBe(true);
    c.socket.destroy();
  });

  test("the client's half-close reaches the destination and the answer still comes back", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${halfPort}`]);
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${halfPort} HTTP/1.1\r\n\r\n`, true);
    await c.has("200 Connection established");
    c.socket.end("12345");
    await c.has("got 5 bytes");
    await c.closedNow();
    await waitFor(() => p.connectionCount() === 0);
  });

  test("localhost approved by name reaches the host's loopback (the one name allowed to)", async () => {
    const { proxy: p, audits } = await proxy([`localhost:${echoPort}`]);
    const c = await request(p.socketPath, `CONNECT localhost:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("200 Connection established");
    c.socket.write("ping");
    await c.has("ping");
    expect(audits).toEqual([{ host: "localhost", port: echoPort, allowed: true }]);
    c.socket.destroy();
  });

  test("client disconnect mid-tunnel closes the destination socket too (no leak)", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`]);
    await waitFor(() => echoSockets.size === 0);
    const before = echoSockets.size;
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("200 Connection established");
    c.socket.write("x");
    await c.has("\r\n\r\nx");
    expect(echoSockets.size).toBe(before + 1);
    c.socket.destroy();
    await waitFor(() => echoSockets.size === before && p.connectionCount() === 0);
  });

  test("the destination closing ends the client's connection", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`]);
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("200 Connection established");
    c.socket.write("x");
    await c.has("\r\n\r\nx");
    for (const s of echoSockets) s.destroy();
    await c.closedNow();
    await waitFor(() => p.connectionCount() === 0);
  });

  test("an idle tunnel is closed after idleTimeoutMs", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`], { idleTimeoutMs: 300 });
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("200 Connection established");
    await c.closedNow();
    await waitFor(() => p.connectionCount() === 0);
  });

  test("close() ends live tunnels and removes the socket file", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`]);
    const before = echoSockets.size;
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.has("200 Connection established");
    await waitFor(() => echoSockets.size === before + 1);
    await p.close();
    proxies.splice(proxies.indexOf(p), 1);
    await c.closedNow();
    await waitFor(() => echoSockets.size === before);
    expect(() => lstatSync(p.socketPath)).toThrow();
  });
});

describe("plain HTTP forwarding", () => {
  test("GET in absolute form goes to the origin in origin form, Host from the URL, hop-by-hop headers dropped", async () => {
    const port = Number(http.port);
    const { proxy: p, audits } = await proxy([`127.0.0.1:${port}`]);
    const c = await request(
      p.socketPath,
      `GET http://127.0.0.1:${port}/path/x?q=1 HTTP/1.1\r\nHost: evil.example\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nX-Test: yes\r\nProxy-Authorization: Basic abc\r\n\r\n`,
    );
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 200");
    const body = JSON.parse(c.text.slice(c.text.indexOf("\r\n\r\n") + 4)) as { method: string; path: string; headers: Record<string, string> };
    expect(body.method).toBe("GET");
    expect(body.path).toBe("/path/x?q=1");
    expect(body.headers.host).toBe(`127.0.0.1:${port}`);
    expect(body.headers["x-test"]).toBe("yes");
    expect(body.headers.connection).toBe("close");
    for (const h of ["proxy-connection", "x-secret", "proxy-authorization"]) expect(body.headers[h]).toBeUndefined();
    expect(audits).toEqual([{ host: "127.0.0.1", port, allowed: true }]);
    await waitFor(() => p.connectionCount() === 0);
  });

  test("POST with a body", async () => {
    const port = Number(http.port);
    const { proxy: p } = await proxy([`127.0.0.1:${port}`]);
    const c = await request(p.socketPath, `POST http://127.0.0.1:${port}/submit HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world`);
    await c.closedNow();
    const body = JSON.parse(c.text.slice(c.text.indexOf("\r\n\r\n") + 4)) as { method: string; body: string };
    expect(body).toMatchObject({ method: "POST", body: "hello world" });
  });

  test("originHead: default port omitted from Host, query-only target", () => {
    const r = parseProxyRequest("GET http://Example.COM?x=1 HTTP/1.0\r\nTE: trailers\r\nUpgrade: h2c");
    expect(r.ok).toBe(true);
    if (r.ok && r.request.kind === "forward") {
      expect(originHead(r.request, { kind: "name", host: "example.com" })).toBe("GET /?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    }
  });
});

describe("refusals", () => {
  test("a host that is not approved: 403 and an audit record, no lookup at all", async () => {
    let lookups = 0;
    const { proxy: p, audits } = await proxy(["example.com"], {
      lookup: async () => {
        lookups++;
        return [];
      },
    });
    const c = await request(p.socketPath, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n");
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 403 Forbidden\r\n");
    expect(c.text).toContain("X-OpenSentience-Egress: denied");
    expect(c.text).toContain("evil.example:443 is not an approved egress target");
    expect(audits).toEqual([{ host: "evil.example", port: 443, allowed: false, reason: "evil.example:443 is not an approved egress target" }]);
    const d = await request(p.socketPath, "GET http://example.com.evil.example/ HTTP/1.1\r\n\r\n");
    await d.closedNow();
    expect(d.text).toStartWith("HTTP/1.1 403");
    const e = await request(p.socketPath, "CONNECT example.com:22 HTTP/1.1\r\n\r\n");
    await e.closedNow();
    expect(e.text).toStartWith("HTTP/1.1 403");
    expect(lookups).toBe(0);
    expect(audits.map((a) => a.allowed)).toEqual([false, false, false]);
  });

  test("an approved name that resolves to a private address is refused (DNS rebinding)", async () => {
    const { proxy: p, audits } = await proxy([`rebind.example:${echoPort}`, "*.nip.io"], {
      lookup: async (h) => (h === "rebind.example" ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.1", family: 4 }, { address: "::1", family: 6 }]),
    });
    const before = echoSockets.size;
    const c = await request(p.socketPath, `CONNECT rebind.example:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 403");
    expect(c.text).toContain("resolves only to non-public addresses (127.0.0.1)");
    const d = await request(p.socketPath, "CONNECT 127.0.0.1.nip.io:443 HTTP/1.1\r\n\r\n");
    await d.closedNow();
    expect(d.text).toStartWith("HTTP/1.1 403");
    expect(audits).toEqual([
      { host: "rebind.example", port: echoPort, allowed: false, reason: `rebind.example resolves only to non-public addresses (127.0.0.1)` },
      { host: "127.0.0.1.nip.io", port: 443, allowed: false, reason: "127.0.0.1.nip.io resolves only to non-public addresses (10.0.0.1, ::1)" },
    ]);
    expect(echoSockets.size).toBe(before);
  });

  test("`*` does not reach loopback: neither localhost by name nor a loopback literal", async () => {
    const { proxy: p, audits } = await proxy(["*"]);
    const c = await request(p.socketPath, `CONNECT localhost:${echoPort} HTTP/1.1\r\n\r\n`);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 403");
    const d = await request(p.socketPath, `GET http://127.0.0.1:${http.port}/ HTTP/1.1\r\n\r\n`);
    await d.closedNow();
    expect(d.text).toStartWith("HTTP/1.1 403");
    const e = await request(p.socketPath, `CONNECT [::1]:${echoPort} HTTP/1.1\r\n\r\n`);
    await e.closedNow();
    expect(e.text).toStartWith("HTTP/1.1 403");
    expect(audits.every((a) => !a.allowed)).toBe(true);
    expect(audits).toHaveLength(3);
  });

  test("oversize request head: 431, audited", async () => {
    const { proxy: p, audits } = await proxy(["example.com"], { maxHeaderBytes: 1024 });
    const c = await request(p.socketPath, `CONNECT example.com:443 HTTP/1.1\r\nX-Pad: ${"a".repeat(2000)}`);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 431");
    expect(audits).toEqual([{ host: "", port: 0, allowed: false, reason: "request head larger than 1024 bytes" }]);
  });

  test("the default head limit is 16 KiB, terminator included", async () => {
    const { proxy: p } = await proxy(["example.com"]);
    const c = await request(p.socketPath, `CONNECT example.com:443 HTTP/1.1\r\nX-Pad: ${"a".repeat(17 * 1024)}\r\n\r\n`);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 431");
  });

  test.each([
    ["binary garbage", Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])],
    ["origin-form request", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
    ["https absolute form", "GET https://example.com/ HTTP/1.1\r\n\r\n"],
    ["bare LF", "GET http://example.com/ HTTP/1.1\nHost: x\r\n\r\n"],
    ["CONNECT without a port", "CONNECT example.com HTTP/1.1\r\n\r\n"],
    ["CONNECT port 0", "CONNECT example.com:0 HTTP/1.1\r\n\r\n"],
    ["userinfo", "GET http://user@example.com/ HTTP/1.1\r\n\r\n"],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    ["overlong label", `CONNECT ${"a".repeat(64)}.example.com:443 HTTP/1.1\r\n\r\n`],
    ["non-canonical IPv4", "CONNECT 2130706433:443 HTTP/1.1\r\n\r\n"],
    ["Unicode host", "CONNECT ex\u00e4mple.com:443 HTTP/1.1\r\n\r\n"],
    ["CL and TE", "POST http://example.com/ HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["folded header", "GET http://example.com/ HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n"],
  ])("%s → 400, audited", async (_name, raw) => {
    const { proxy: p, audits } = await proxy(["example.com", "*.example.com"]);
    const c = await request(p.socketPath, raw);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(audits).toHaveLength(1);
    expect(audits[0]?.allowed).toBe(false);
  });

  test("no request head in time: 408 and closed", async () => {
    const { proxy: p } = await proxy(["example.com"], { headerTimeoutMs: 200 });
    const c = await Client.open(p.socketPath);
    c.socket.write("CONNECT exa");
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 408");
    await waitFor(() => p.connectionCount() === 0);
  });

  test("an approved destination that refuses the connection: 502", async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const { proxy: p, audits } = await proxy([`127.0.0.1:${port}`]);
    const c = await request(p.socketPath, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 502 Bad Gateway");
    expect(audits).toEqual([{ host: "127.0.0.1", port, allowed: true }]);
  });

  test("name resolution slower than connectTimeoutMs: 504", async () => {
    const { proxy: p } = await proxy(["slow.example"], { connectTimeoutMs: 200, lookup: () => new Promise(() => {}) });
    const c = await request(p.socketPath, "CONNECT slow.example:443 HTTP/1.1\r\n\r\n");
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 504 Gateway Timeout");
  });

  test("more than maxConnections at once: 503", async () => {
    const { proxy: p } = await proxy([`127.0.0.1:${echoPort}`], { maxConnections: 2 });
    const a = await Client.open(p.socketPath);
    const b = await Client.open(p.socketPath);
    await waitFor(() => p.connectionCount() === 2);
    const c = await Client.open(p.socketPath);
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 503");
    a.socket.destroy();
    b.socket.destroy();
  });

  test("an audit callback that throws does not break the proxy", async () => {
    const p = await startEgressProxy({
      agentId: "com.example.test",
      socketPath: join(root, `run${++seq}`, "egress.sock"),
      allow: [],
      audit: () => {
        throw new Error("recorder down");
      },
    });
    proxies.push(p);
    const c = await request(p.socketPath, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n");
    await c.closedNow();
    expect(c.text).toStartWith("HTTP/1.1 403");
  });
});

describe("the socket file", () => {
  test("directory created 0700, socket 0600", async () => {
    const { proxy: p } = await proxy([]);
    expect(lstatSync(p.socketPath).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(p.socketPath, "..")).mode & 0o777).toBe(0o700);
  });

  test("a stale socket file is replaced; a live one is not", async () => {
    const { proxy: first } = await proxy([]);
    const path = first.socketPath;
    await expect(startEgressProxy({ agentId: "x", socketPath: path, allow: [], audit: () => {} })).rejects.toThrow("another process is listening");
    // Leave the file behind the way a crash would: a process that listens and is SIGKILLed.
    const dir = join(root, `stale${++seq}`);
    mkdirSync(dir, { mode: 0o700 });
    const stalePath = join(dir, "egress.sock");
    const child = Bun.spawn([process.execPath, "-e", `require("node:net").createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, "SIGKILL"))`]);
    await child.exited;
    expect(lstatSync(stalePath).isSocket()).toBe(true);
    const p = await startEgressProxy({ agentId: "x", socketPath: stalePath, allow: [], audit: () => {} });
    proxies.push(p);
    expect(lstatSync(stalePath).isSocket()).toBe(true);
  });

  test("a symlink or a regular file at the path is refused", async () => {
    const dir = join(root, `links${++seq}`);
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "target"), "");
    symlinkSync(join(dir, "target"), join(dir, "link.sock"));
    await expect(startEgressProxy({ agentId: "x", socketPath: join(dir, "link.sock"), allow: [], audit: () => {} })).rejects.toThrow("symlink");
    await expect(startEgressProxy({ agentId: "x", socketPath: join(dir, "target"), allow: [], audit: () => {} })).rejects.toThrow("not a socket");
  });

  test("an invalid approved target stops the start", async () => {
    await expect(proxy(["foo*.example.com"])).rejects.toThrow("invalid egress target");
  });
});
