/**
 * Raw HTTP/1.1 over TCP, for requests `fetch` will not send: arbitrary or
 * missing Host headers, absolute-form targets, unnormalized paths.
 */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line + headers, without the final blank line) and an optional body. */
export function rawRequest(port: number, head: string[], body = ""): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    sock.on("connect", () => {
      const lines = [...head];
      if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      lines.push("Connection: close", "", "");
      sock.write(lines.join("\r\n") + body);
    });
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", reject);
    sock.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const headLines = text.slice(0, split < 0 ? text.length : split).split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headLines[0] ?? "")?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of headLines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const raw = split < 0 ? "" : text.slice(split + 4);
      resolve({ status, headers, body: headers["transfer-encoding"] === "chunked" ? dechunk(raw) : raw });
    });
  });
}

/** GET with a chosen Host header (null = none at all). */
export function getWithHost(port: number, path: string, host: string | null, extra: string[] = []): Promise<RawResponse> {
  return rawRequest(port, [`GET ${path} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), ...extra]);
}

function dechunk(raw: string): string {
  let out = "";
  let rest = raw;
  for (;;) {
    const nl = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, nl), 16);
    if (nl < 0 || !size) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

/** Names of any Access-Control-* headers (there must never be one). */
export function corsHeaders(h: Headers): string[] {
  const out: string[] = [];
  h.forEach((_v, k) => {
    if (k.toLowerCase().startsWith("access-control-")) out.push(k);
  });
  return out;
}
