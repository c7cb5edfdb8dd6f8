/**
 * One plain-HTTP GET over a TCP or Unix socket on the main thread, for the
 * CLI's direct reads from the local daemon (daemon-direct.ts). fetch() starts its
 * HTTP client thread, about 2 ms of CPU — a tenth of what `agents list` costs
 * in all (issue 13, CLI start).
 *
 * Only the happy path: a `200` answer whose body has a Content-Length. Any
 * other answer (another status, chunked or unsized body, a malformed head, a
 * connection error) gives null, and the caller takes the typed client, which
 * handles and reports everything.
 */

/** Longest answer head accepted; the daemon's is under 1 KiB. */
const MAX_HEAD = 16 * 1024;

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Where the body of a `200` answer with a Content-Length starts and how long it is; "incomplete" while the head is still arriving; null for anything else. */
function parseHead(buf: Uint8Array): { start: number; length: number } | "incomplete" | null {
  // A native search, not a loop over the bytes: a loop this long gets JIT-compiled, which starts JSC's
  // compiler threads — more CPU than the rest of the parse (issue 13, CLI start).
  const head = new TextDecoder("latin1").decode(buf.subarray(0, MAX_HEAD));
  const end = head.indexOf("\r\n\r\n");
  if (end < 0) return buf.length < MAX_HEAD ? "incomplete" : null;
  const lines = head.slice(0, end).split("\r\n");
  if (!/^HTTP\/1\.[01] 200 /.test(`${lines[0]} `)) return null;
  let length = -1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "transfer-encoding") return null;
    if (name === "content-length") {
      if (!/^\d{1,12}$/.test(value) || (length >= 0 && Number(value) !== length)) return null;
      length = Number(value);
    }
  }
  return length < 0 ? null : { start: end + 4, length };
}

/**
 * GETs `url` (http: only) with these request headers and `Connection: close`,
 * over TCP to the URL's host or, given `unix`, over that Unix socket;
 * resolves to the body text of a `200` answer with a Content-Length, else null.
 * Never rejects.
 */
export function httpGetText(url: URL, headers: Record<string, string>, unix?: string): Promise<string | null> {
  if (url.protocol !== "http:") return Promise.resolve(null);
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : 80;
  let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n`;
  for (const name in headers) {
    const value = headers[name]!;
    // Header injection: nothing the caller passes may end a line.
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return Promise.resolve(null);
    request += `${name}: ${value}\r\n`;
  }
  request += "\r\n";
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Read once the head is complete: the body's offset and length (the head is parsed once, the bytes joined once).
    let head: { start: number; length: number } | null = null;
    let settled = false;
    const finish = (v: string | null) => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    /** The answer when everything has arrived, "incomplete" while more is to come, null when it is not one we take. */
    const answer = (): string | "incomplete" | null => {
      if (!head) {
        const h = parseHead(concat(chunks, total));
        if (h === null || h === "incomplete") return h;
        head = h;
      }
      const have = total - head.start;
      if (have < head.length) return "incomplete";
      if (have > head.length) return null;
      return new TextDecoder().decode(concat(chunks, total).subarray(head.start));
    };
    const ended = () => {
      const r = answer();
      finish(r === "incomplete" ? null : r);
    };
    const socket: Bun.SocketHandler<undefined> = {
      open(s) {
        s.write(request);
      },
      data(s, d) {
        chunks.push(new Uint8Array(d)); // a copy: the socket may reuse its buffer
        total += d.length;
        const r = answer();
        if (r === "incomplete") return;
        finish(r);
        s.end();
      },
      end: ended,
      close: ended,
      error() {
        finish(null);
      },
      connectError() {
        finish(null);
      },
    };
    (unix === undefined ? Bun.connect({ hostname, port, socket }) : Bun.connect({ unix, socket })).catch(() => finish(null));
  });
}
