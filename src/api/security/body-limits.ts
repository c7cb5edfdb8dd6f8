/**
 * Size and nesting bounds for every request body, applied in the handler's
 * first pass — before the request guard (which reads form bodies for their
 * CSRF field) and before Elysia parses anything.
 *
 * Why here and not in the routes: Elysia parses a body (`request.json()`,
 * and JSON-looking multipart fields too) before any route code runs, and a
 * 100k-deep JSON value parses fine but overflows the stack in whatever walks
 * it next (schema validation, JSON.stringify, the audit log). Checking the
 * raw bytes with the protocol's iterative scanner is linear and cannot
 * overflow; the handlers then get a request whose body is the bytes already
 * read, so nothing is read twice.
 */
import { AppError } from "../../core/errors.ts";
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth } from "../../protocol/index.ts";

/** Largest request body accepted (the largest thing a client sends is a tool call's arguments). */
export const MAX_HTTP_BODY_BYTES = 1_048_576;

/**
 * Bun.serve's own body limit, far above the handler's: Bun would answer a bare
 * 413 before the handler runs, so the handler enforces the real limit (with a
 * JSON 413 and our headers) and this is only a backstop.
 */
export const BUN_BODY_BACKSTOP_BYTES = 1 << 30;

/**
 * Deepest JSON nesting accepted in a request body. One below the runtime
 * protocol's limit because a body's values reach agents one level deeper
 * than they arrive (`{"arguments": X}` travels as `{"payload": {"arguments": X}}`
 * in a tool.call frame): a call accepted here never becomes a frame the agent
 * has to refuse (which would end its connection and read as agent_unavailable).
 */
export const MAX_HTTP_JSON_DEPTH = DEFAULT_MAX_JSON_DEPTH - 1;

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: MAX_HTTP_BODY_BYTES, maxDepth: MAX_HTTP_JSON_DEPTH };

const tooLarge = (max: number) => new AppError("payload_too_large", `request body is larger than the limit of ${max} bytes`);
const tooDeep = (max: number, where: string) =>
  new AppError("invalid_argument", `${where} nests JSON deeper than the depth limit of ${max} levels (or its brackets do not balance)`);

/** The media type of a Content-Type header, lowercased, without parameters. */
function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Reads at most `max` bytes; null (and the stream cancelled) as soon as there are more. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * Throws when the body would reach a handler nested too deep. What Elysia
 * JSON-parses decides what is scanned:
 * - urlencoded forms: never JSON-parsed (values stay strings), so not scanned;
 * - multipart forms: each field value that starts with `{` or `[` is
 *   JSON-parsed by Elysia, so exactly those values are scanned;
 * - anything else (JSON under any content type Elysia maps to its JSON
 *   parser, or none at all): the whole body is scanned.
 */
async function checkDepth(bytes: Uint8Array<ArrayBuffer>, contentType: string | null, maxDepth: number): Promise<void> {
  const type = mediaType(contentType);
  if (type === "application/x-www-form-urlencoded") return;
  if (type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { "content-type": contentType! } }).formData();
    } catch {
      return; // unparsable: Elysia refuses it as a parse error, with nothing parsed
    }
    let deep: string | null = null;
    form.forEach((value, name) => {
      if (deep !== null || typeof value !== "string" || !(value.startsWith("{") || value.startsWith("["))) return;
      if (exceedsJsonDepth(encoder.encode(value), maxDepth)) deep = name;
    });
    if (deep !== null) throw tooDeep(maxDepth, `form field ${JSON.stringify((deep as string).slice(0, 64))}`);
    return;
  }
  if (exceedsJsonDepth(bytes, maxDepth)) throw tooDeep(maxDepth, "request body");
}

/**
 * The body's bytes once they passed both bounds (null when there is no body);
 * throws like `boundRequestBody`. The request's body is consumed. Shared by
 * `boundRequestBody` and the tool-call fast path (src/api/tool-call-fast-path.ts).
 */
export async function readBoundedBody(req: Request, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<Uint8Array<ArrayBuffer> | null> {
  if (req.body === null) return null;
  // A declared length over the limit is refused unread.
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBytes) {
    await req.body.cancel().catch(() => {});
    throw tooLarge(limits.maxBytes);
  }
  // A declared length within the limit and no transfer coding: Bun's parser delivers exactly that many
  // bytes, read in one go (a stream reader per request costs more than a small call). Checked again after.
  const exact = declared !== null && /^\d{1,10}$/.test(declared) && req.headers.get("transfer-encoding") === null;
  const bytes = exact ? new Uint8Array(await req.arrayBuffer()) : await readCapped(req.body, limits.maxBytes);
  if (bytes === null || bytes.byteLength > limits.maxBytes) throw tooLarge(limits.maxBytes);
  await checkDepth(bytes, req.headers.get("content-type"), limits.maxDepth);
  return bytes;
}

/**
 * The request a handler may see: the same one when it has no body, otherwise
 * a copy carrying the already-read bytes (same URL, method, headers, and the
 * original's abort signal, so a client that disconnects still cancels what it
 * started). Throws `payload_too_large` without reading past `maxBytes`, and
 * `invalid_argument` for JSON nested deeper than `maxDepth`.
 */
export async function boundRequestBody(req: Request, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<Request> {
  const bytes = await readBoundedBody(req, limits);
  if (bytes === null) return req;
  try {
    return new Request(req.url, { method: req.method, headers: req.headers, body: bytes, signal: req.signal });
  } catch (cause) {
    // Only a request whose Host gave it no valid URL; the caller lets the guard refuse those first.
    throw new AppError("invalid_argument", "malformed request URL", { cause });
  }
}
