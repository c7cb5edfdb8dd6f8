/**
 * Request bodies against the compiled daemon over real HTTP: over-deep JSON
 * and oversized bodies are refused at the edge (400 naming the depth limit,
 * 413 `payload_too_large`) for API routes and web form posts alike, before any
 * handler or Elysia's own parsing — and the daemon never logs a stack
 * overflow. A real protocol peer (test/helpers/fake-agent.ts, installed with
 * `agents install --local`) shows the limit is the right one: a call exactly
 * at it reaches the agent, and streamed calls still stream and still cancel
 * when the client goes away.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { MAX_HTTP_BODY_BYTES, MAX_HTTP_JSON_DEPTH } from "../../src/api/security/body-limits.ts";
import { waitFor } from "../helpers/binary.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { auditEvents, type HttpSession, loginOverHttp, type RunningDaemon, runBinary, startWebDaemon, tempHome } from "../helpers/web-daemon.ts";

setDefaultTimeout(120_000);

const PEER = "com.test.deep_peer";
let d: RunningDaemon;
let s: HttpSession;

/** `[[[…1…]]]` with `depth` levels. */
const nest = (depth: number) => "[".repeat(depth) + "1" + "]".repeat(depth);

beforeAll(async () => {
  const home = tempHome();
  // This is about HTTP bodies, not confinement: the peer is a Bun script outside any sandbox view.
  writeFileSync(join(home.home, "config.json"), JSON.stringify({ sandbox: "off" }));
  // The protocol test peer as an installable local agent ("release" entrypoint; mix only compiles an empty project).
  const dir = join(home.roots, "deep-peer");
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(join(dir, "bin", "agent"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(import.meta.dir, "../helpers/fake-agent.ts"))}\n`, { mode: 0o755 });
  writeFileSync(join(dir, "mix.exs"), 'defmodule DeepPeer.MixProject do\n  use Mix.Project\n  def project, do: [app: :deep_peer, version: "1.0.0"]\nend\n');
  writeFileSync(
    join(dir, "opensentience.agent.json"),
    JSON.stringify({ manifest_version: 1, id: PEER, name: "Deep peer", version: "1.0.0", entrypoint: { type: "release", path: "bin/agent", args: [] }, capabilities: ["tools"] }),
  );
  for (const args of [["discover"], ["agents", "install", PEER, "--local", "--yes"], ["agents", "enable", PEER, "--approve-all"]]) {
    const r = await runBinary(args, home.env);
    if (r.code !== 0) throw new Error(`opensentience ${args.join(" ")} → ${r.code}: ${r.stderr}`);
  }
  d = await startWebDaemon({ home });
  s = await loginOverHttp(d);
  const run = await d.api(`/api/v1/agents/${PEER}/run`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (run.status !== 200) throw new Error(`starting the peer: ${run.status} ${await run.text()}`);
  await waitFor(async () => ((await (await d.api(`/api/v1/agents/${PEER}/status`)).json()) as { tools: number }).tools > 0, { what: "the peer's tools", timeoutMs: 30_000 });
});
afterAll(async () => {
  await d?.stop();
  d?.home.cleanup();
});

const host = () => `Host: 127.0.0.1:${d.port}`;
const bearer = () => `Authorization: Bearer ${d.token}`;
const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;

function expectRefusal(r: { status: number; headers: Record<string, string>; body: string }, status: number, code: string) {
  expect({ status: r.status, code: errorOf(r.body).code }).toEqual({ status, code });
  expect(r.headers["content-type"]).toContain("application/json");
  expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
}

/**
 * Sends a request head and then body pieces without waiting, and collects the
 * answer until the server closes. Unlike rawRequest it tolerates the server
 * hanging up before the client finished sending (which is the point of a 413).
 */
function sendRaw(port: number, head: string[], pieces: Array<string | Uint8Array>): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(":")).trim().toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0), headers, body: text.slice(split + 4) });
    };
    sock.on("connect", () => {
      sock.write([...head, "", ""].join("\r\n"));
      for (const p of pieces) sock.write(p);
    });
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", () => {}); // a reset after the answer is expected; `close` still follows
    sock.on("close", finish);
  });
}

describe("over-deep JSON → 400 invalid_argument naming the limit", () => {
  test("POST /api/v1/registries with a 100k-deep body", async () => {
    const r = await rawRequest(d.port, ["POST /api/v1/registries HTTP/1.1", host(), bearer(), "Content-Type: application/json"], `{"name":"deep","git_url":${nest(100_000)}}`);
    expectRefusal(r, 400, "invalid_argument");
    expect(errorOf(r.body).message).toContain(`depth limit of ${MAX_HTTP_JSON_DEPTH} levels`);
    expect(((await (await d.api("/api/v1/registries")).json()) as { registries: unknown[] }).registries).toEqual([]);
  });

  test("POST /api/v1/tools/call: arguments one level over the limit never reach the agent; exactly at it they do", async () => {
    // Body depth = 1 (the body) + 1 (arguments) + the nest; the frame adds one more level (payload).
    const body = (depth: number) => `{"tool":"${PEER}/echo","arguments":{"text":"deep","d":${nest(depth - 2)}}}`;
    const over = await rawRequest(d.port, ["POST /api/v1/tools/call HTTP/1.1", host(), bearer(), "Content-Type: application/json"], body(MAX_HTTP_JSON_DEPTH + 1));
    expectRefusal(over, 400, "invalid_argument");
    expect(errorOf(over.body).message).toContain(`depth limit of ${MAX_HTTP_JSON_DEPTH} levels`);
    const at = await rawRequest(d.port, ["POST /api/v1/tools/call HTTP/1.1", host(), bearer(), "Content-Type: application/json"], body(MAX_HTTP_JSON_DEPTH));
    expect(at.status).toBe(200);
    expect(JSON.parse(at.body)).toMatchObject({ output: { text: "deep" } });
    // The peer is still connected and healthy: the accepted frame was one it could read.
    expect(((await (await d.api(`/api/v1/agents/${PEER}/status`)).json()) as { state: string }).state).toBe("running");
  });

  test("a multipart form field Elysia would JSON-parse, on a web form route", async () => {
    const form = new FormData();
    form.set("_csrf", s.csrf);
    form.set("name", "deep");
    form.set("git_url", nest(100_000));
    const res = await fetch(`${d.url}/actions/registries`, { method: "POST", redirect: "manual", headers: { cookie: s.cookie, origin: d.url }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('form field "git_url"');
  });
});

describe("oversized bodies → 413 payload_too_large, the rest never read", () => {
  test("a declared Content-Length over the limit (API, bearer)", async () => {
    const r = await sendRaw(d.port, ["POST /api/v1/registries HTTP/1.1", host(), bearer(), "Content-Type: application/json", `Content-Length: ${MAX_HTTP_BODY_BYTES + 1}`], ['{"name":"']);
    expectRefusal(r, 413, "payload_too_large");
    expect(errorOf(r.body).message).toContain(`${MAX_HTTP_BODY_BYTES} bytes`);
    expect(r.headers.connection).toBe("close");
  });

  test("a chunked body that grows past the limit (API, bearer)", async () => {
    const piece = "x".repeat(64 * 1024);
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    const pieces = Array.from({ length: MAX_HTTP_BODY_BYTES / piece.length + 2 }, () => chunk);
    const r = await sendRaw(d.port, ["POST /api/v1/tools/call HTTP/1.1", host(), bearer(), "Content-Type: application/json", "Transfer-Encoding: chunked"], pieces);
    expectRefusal(r, 413, "payload_too_large");
  });

  test("a web form post (session cookie, CSRF, same Origin)", async () => {
    const body = `_csrf=${s.csrf}&name=big&git_url=${"a".repeat(MAX_HTTP_BODY_BYTES)}`;
    const r = await sendRaw(
      d.port,
      ["POST /actions/registries HTTP/1.1", host(), `Cookie: ${s.cookie}`, `Origin: ${d.url}`, "Content-Type: application/x-www-form-urlencoded", `Content-Length: ${Buffer.byteLength(body)}`],
      [body],
    );
    expectRefusal(r, 413, "payload_too_large");
    expect(((await (await d.api("/api/v1/registries")).json()) as { registries: unknown[] }).registries).toEqual([]);
  });
});

describe("the Host check still comes first", () => {
  test("a request for another Host is refused 403 before its body is bounded or read", async () => {
    for (const badHost of ["evil.com", "", `127.0.0.1:${d.port}@evil.com`]) {
      const body = `"${"x".repeat(MAX_HTTP_BODY_BYTES)}"`;
      const big = await sendRaw(d.port, ["POST /api/v1/registries HTTP/1.1", `Host: ${badHost}`, bearer(), "Content-Type: application/json", `Content-Length: ${body.length}`, "Connection: close"], [body]);
      expectRefusal(big, 403, "forbidden");
      const deep = await rawRequest(d.port, ["POST /api/v1/registries HTTP/1.1", `Host: ${badHost}`, bearer(), "Content-Type: application/json"], nest(100_000));
      expectRefusal(deep, 403, "forbidden");
    }
  });
});

describe("bodies within the limits still work", () => {
  test("a web form post reaches its handler with its body (the guard read the CSRF field from the same bytes)", async () => {
    const res = await fetch(`${d.url}/actions/registries`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: s.cookie, origin: d.url, "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${s.csrf}&name=formok&git_url=${encodeURIComponent("https://git.example.com/r.git")}`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/registries?added=formok");
    await d.api("/api/v1/registries/formok", { method: "DELETE" });
  });

  test("a streamed tool call streams, and a client that goes away still cancels it", async () => {
    const ac = new AbortController();
    const res = await d.api("/api/v1/tools/call", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool: `${PEER}/stream`, arguments: { n: 100_000 }, stream: true }),
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/"type":"progress"/g) ?? []).length < 2) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before two progress lines: ${text}`);
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    await reader.cancel().catch(() => {});
    const canceled = await waitFor(
      async () => (await auditEvents(d)).find((e) => e.action === "tool.call" && e.details.tool === `${PEER}/stream` && e.details.error === "canceled"),
      { what: "the streamed call audited as canceled", timeoutMs: 15_000 },
    );
    expect(canceled.outcome).toBe("error");
  });

  test("a plain (not streamed) call is canceled at the agent when its client goes away", async () => {
    const inFlight = async () => {
      const text = await (await d.api("/metrics")).text();
      return Number(text.match(new RegExp(`opensentience_tool_calls_in_flight\\{agent="${PEER.replaceAll(".", "\\.")}",tool="hang"\\} (\\d+)`))?.[1] ?? 0);
    };
    const ac = new AbortController();
    // Bearer and JSON: the tool-call fast path (src/api/tool-call-fast-path.ts), whose caller-gone signal is a CallCancel.
    const call = d.api("/api/v1/tools/call", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tool: `${PEER}/hang`, arguments: {} }), signal: ac.signal }).catch((e: unknown) => e);
    await waitFor(async () => (await inFlight()) === 1, { what: "the hanging call in flight at the agent", timeoutMs: 15_000 });
    ac.abort();
    await call;
    const canceled = await waitFor(
      async () => (await auditEvents(d)).find((e) => e.action === "tool.call" && e.details.tool === `${PEER}/hang` && e.details.error === "canceled"),
      { what: "the plain call audited as canceled", timeoutMs: 15_000 },
    );
    expect(canceled.outcome).toBe("error");
    expect(await inFlight()).toBe(0);
  });

  test("the daemon never logged a stack overflow or an internal error", () => {
    expect(d.stderr()).not.toMatch(/Maximum call stack|RangeError|http POST .*: AppError/);
  });
});
