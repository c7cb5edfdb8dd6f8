import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors.ts";
import { DEFAULT_MAX_JSON_DEPTH } from "../../protocol/index.ts";
import { boundRequestBody, MAX_HTTP_BODY_BYTES, MAX_HTTP_JSON_DEPTH } from "./body-limits.ts";

const URL_ = "http://127.0.0.1:6767/api/v1/registries";
const nest = (depth: number, inner = "1") => "[".repeat(depth) + inner + "]".repeat(depth);
const post = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) => new Request(URL_, { method: "POST", headers, body });

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    return { code: "non-app", message: String(e) };
  }
  return { code: "accepted", message: "" };
}

describe("JSON nesting", () => {
  test("the HTTP limit leaves one level for the frame envelope around tool arguments", () => {
    expect(MAX_HTTP_JSON_DEPTH).toBe(DEFAULT_MAX_JSON_DEPTH - 1);
  });

  test("exactly at the limit passes, and the handler gets the same bytes, method, URL and headers", async () => {
    const text = `{"a":${nest(MAX_HTTP_JSON_DEPTH - 1)}}`;
    const out = await boundRequestBody(post(text, { "content-type": "application/json", "x-csrf-token": "t" }));
    expect(await out.text()).toBe(text);
    expect(out.method).toBe("POST");
    expect(out.url).toBe(URL_);
    expect(out.headers.get("x-csrf-token")).toBe("t");
  });

  test.each([
    ["one level over", `{"a":${nest(MAX_HTTP_JSON_DEPTH)}}`],
    ["100k levels", `{"a":${nest(100_000)}}`],
    ["objects", `${'{"a":'.repeat(MAX_HTTP_JSON_DEPTH + 1)}1${"}".repeat(MAX_HTTP_JSON_DEPTH + 1)}`],
    ["more closing than opening brackets", `{"a":1}]]`],
  ])("%s → invalid_argument naming the limit", async (_name, text) => {
    const r = await refusal(boundRequestBody(post(text)));
    expect(r.code).toBe("invalid_argument");
    expect(r.message).toContain(`depth limit of ${MAX_HTTP_JSON_DEPTH} levels`);
  });

  test("any content type but a form is scanned (Elysia's JSON parser picks content types loosely)", async () => {
    for (const type of ["text/plain", "application/jsonx", "application/vnd.x+json", ""]) {
      const r = await refusal(boundRequestBody(post(nest(100), type ? { "content-type": type } : {})));
      expect([type, r.code]).toEqual([type, "invalid_argument"]);
    }
  });

  test("brackets inside strings do not count", async () => {
    const text = JSON.stringify({ a: "[".repeat(5000), b: "\\\"[[[" });
    expect(await (await boundRequestBody(post(text))).text()).toBe(text);
  });

  test("urlencoded forms are never JSON-parsed, so bracket-looking values pass", async () => {
    const text = `name=${nest(500)}&git_url=a]`;
    const out = await boundRequestBody(post(text, { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" }));
    expect(await out.text()).toBe(text);
  });

  test("multipart: a JSON-looking field (Elysia parses those) is scanned; plain text is not", async () => {
    const deep = new FormData();
    deep.set("_csrf", "x");
    deep.set("git_url", nest(MAX_HTTP_JSON_DEPTH + 1));
    const r = await refusal(boundRequestBody(new Request(URL_, { method: "POST", body: deep })));
    expect(r.code).toBe("invalid_argument");
    expect(r.message).toContain('form field "git_url"');

    const fine = new FormData();
    fine.set("git_url", nest(MAX_HTTP_JSON_DEPTH));
    fine.set("note", "a]]] b");
    const out = await boundRequestBody(new Request(URL_, { method: "POST", body: fine }));
    expect((await out.formData()).get("note")).toBe("a]]] b");
  });
});

describe("size", () => {
  test("a body of exactly the limit passes", async () => {
    const text = `"${"x".repeat(MAX_HTTP_BODY_BYTES - 2)}"`;
    expect((await (await boundRequestBody(post(text))).arrayBuffer()).byteLength).toBe(MAX_HTTP_BODY_BYTES);
  });

  test("a declared Content-Length over the limit is refused without reading the body", async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const req = new Request(URL_, { method: "POST", headers: { "content-length": String(MAX_HTTP_BODY_BYTES + 1) }, body, duplex: "half" } as RequestInit);
    const r = await refusal(boundRequestBody(req));
    expect(r.code).toBe("payload_too_large");
    expect(r.message).toContain(`${MAX_HTTP_BODY_BYTES} bytes`);
    expect(pulls).toBeLessThanOrEqual(1); // a stream may pre-pull once on creation; nothing was read by us
  });

  test("an endless body without a length is cut off just past the limit and cancelled", async () => {
    let sent = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = await refusal(boundRequestBody(new Request(URL_, { method: "POST", body, duplex: "half" } as RequestInit)));
    expect(r.code).toBe("payload_too_large");
    expect(cancelled).toBe(true);
    expect(sent).toBeLessThan(MAX_HTTP_BODY_BYTES + 4 * 64 * 1024);
  });
});

describe("requests without a body and the abort signal", () => {
  test("a GET passes through as the very same request", async () => {
    const req = new Request(URL_);
    expect(await boundRequestBody(req)).toBe(req);
  });

  test("the copy aborts when the original does (a disconnecting client still cancels its call)", async () => {
    const ac = new AbortController();
    const out = await boundRequestBody(new Request(URL_, { method: "POST", body: "{}", signal: ac.signal }));
    expect(out.signal.aborted).toBe(false);
    ac.abort();
    expect(out.signal.aborted).toBe(true);
  });
});
