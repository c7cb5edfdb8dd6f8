import { afterAll, describe, expect, test } from "bun:test";
import { httpGetText } from "./http-get.ts";

/** A real HTTP server (Bun.serve) on a free port. */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/echo") {
      return Response.json({ auth: req.headers.get("authorization"), client: req.headers.get("x-client"), host: req.headers.get("host"), q: url.searchParams.get("q") });
    }
    if (url.pathname === "/unicode") return new Response(JSON.stringify({ s: "ünïcødé … 😀" }), { headers: { "content-type": "application/json" } });
    if (url.pathname === "/missing") return Response.json({ error: { code: "not_found" } }, { status: 404 });
    if (url.pathname === "/redirect") return new Response(null, { status: 302, headers: { location: "/echo" } });
    if (url.pathname === "/stream") {
      // A body still being produced when the head goes out: no Content-Length, sent chunked.
      let n = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            await Bun.sleep(5);
            if (n++ < 2) c.enqueue(new TextEncoder().encode(n === 1 ? '{"a":' : "1}"));
            else c.close();
          },
        }),
      );
    }
    if (url.pathname === "/big") return new Response("x".repeat(300_000));
    return new Response("?", { status: 500 });
  },
});

/** A raw TCP server answering every connection with `answer`, written in `parts` pieces. */
function rawServer(answer: string, parts = 1) {
  return Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      async data(s) {
        const step = Math.ceil(answer.length / parts);
        for (let i = 0; i < answer.length; i += step) {
          s.write(answer.slice(i, i + step));
          s.flush();
          await Bun.sleep(1);
        }
        s.end();
      },
    },
  });
}

const base = `http://127.0.0.1:${server.port}`;
afterAll(() => server.stop(true));

describe("httpGetText", () => {
  test("a 200 with a Content-Length: the body, with the request's headers, Host and query sent", async () => {
    const text = await httpGetText(new URL(`${base}/echo?q=a%20b`), { authorization: "Bearer t0k", "x-client": "cli" });
    expect(JSON.parse(text!)).toEqual({ auth: "Bearer t0k", client: "cli", host: `127.0.0.1:${server.port}`, q: "a b" });
  });

  test("UTF-8 bodies decode whole, and long bodies arriving in many reads are put together", async () => {
    expect(JSON.parse((await httpGetText(new URL(`${base}/unicode`), {}))!)).toEqual({ s: "ünïcødé … 😀" });
    expect(await httpGetText(new URL(`${base}/big`), {})).toBe("x".repeat(300_000));
  });

  test("anything but a sized 200 is null: another status, a redirect, a chunked body", async () => {
    expect(await httpGetText(new URL(`${base}/missing`), {})).toBeNull();
    expect(await httpGetText(new URL(`${base}/redirect`), {})).toBeNull();
    expect(await httpGetText(new URL(`${base}/stream`), {})).toBeNull();
  });

  test("no server, https, or a header value that would end the line: null, nothing thrown", async () => {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = l.port;
    l.stop(true);
    expect(await httpGetText(new URL(`http://127.0.0.1:${port}/`), {})).toBeNull();
    expect(await httpGetText(new URL(`https://127.0.0.1:${server.port}/echo`), {})).toBeNull();
    expect(await httpGetText(new URL(`${base}/echo`), { authorization: "Bearer x\r\nX-Evil: 1" })).toBeNull();
  });

  test("raw answers: a head and body split over several writes is read whole; malformed or oversized answers are null", async () => {
    const cases: Array<[string, number, string | null]> = [
      ["HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", 7, "{\"ok\":true}"],
      ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\nX-Other: a:b\r\n\r\n{}", 1, "{}"],
      // The body is longer than declared, or ends early, or there is no length at all.
      ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}{}", 1, null],
      ["HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{}", 1, null],
      ["HTTP/1.1 200 OK\r\n\r\n{}", 1, null],
      // Conflicting lengths, a malformed header line, a chunked body, not HTTP at all, an unfinished head.
      ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 1, null],
      ["HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\n{}", 1, null],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}", 1, null],
      ["SSH-2.0-OpenSSH\r\n\r\n", 1, null],
      ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 1, null],
    ];
    for (const [answer, parts, want] of cases) {
      const l = rawServer(answer, parts);
      try {
        expect({ answer, got: await httpGetText(new URL(`http://127.0.0.1:${l.port}/x`), {}) }).toEqual({ answer, got: want });
      } finally {
        l.stop(true);
      }
    }
  });
});
