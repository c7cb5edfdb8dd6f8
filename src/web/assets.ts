/**
 * Static assets, embedded in the binary at build time and served from a fixed
 * in-memory map keyed by content-hashed name (`/assets/app.3f2a1c9b.css`).
 * Lookup is by exact name, never by filesystem path, so `..`, encoded
 * slashes or backslashes cannot reach anything outside the map.
 */
import alpineJs from "@alpinejs/csp/dist/cdn.min.js" with { type: "text" };
import appJs from "../../assets/app.js" with { type: "text" };
import installJs from "../../assets/install.js" with { type: "text" };
import appCss from "../../assets/app.css" with { type: "text" };
import chatCss from "../../assets/chat.css" with { type: "text" };
import chatJs from "../../assets/chat.js" with { type: "text" };
import chatFormJs from "../../assets/chat-form.js" with { type: "text" };
import chatTranscriptJs from "../../assets/chat-transcript.js" with { type: "text" };
import chatComposerJs from "../../assets/chat-composer.js" with { type: "text" };
import liveJs from "../../assets/live.js" with { type: "text" };
import logsJs from "../../assets/logs.js" with { type: "text" };
import toolStatsJs from "../../assets/tool-stats.js" with { type: "text" };
import faviconSvg from "../../assets/favicon.svg" with { type: "text" };

export interface Asset {
  body: string;
  type: string;
}

const SOURCES: Array<{ logical: string; body: string; type: string }> = [
  { logical: "app.css", body: appCss, type: "text/css; charset=utf-8" },
  { logical: "app.js", body: appJs, type: "text/javascript; charset=utf-8" },
  { logical: "install.js", body: installJs, type: "text/javascript; charset=utf-8" },
  { logical: "live.js", body: liveJs, type: "text/javascript; charset=utf-8" },
  { logical: "chat-form.js", body: chatFormJs, type: "text/javascript; charset=utf-8" },
  { logical: "chat-transcript.js", body: chatTranscriptJs, type: "text/javascript; charset=utf-8" },
  { logical: "chat-composer.js", body: chatComposerJs, type: "text/javascript; charset=utf-8" },
  { logical: "chat.js", body: chatJs, type: "text/javascript; charset=utf-8" },
  { logical: "logs.js", body: logsJs, type: "text/javascript; charset=utf-8" },
  { logical: "tool-stats.js", body: toolStatsJs, type: "text/javascript; charset=utf-8" },
  { logical: "chat.css", body: chatCss, type: "text/css; charset=utf-8" },
  { logical: "alpine-csp.js", body: alpineJs, type: "text/javascript; charset=utf-8" },
  { logical: "favicon.svg", body: faviconSvg, type: "image/svg+xml" },
];

function hashedName(logical: string, body: string): string {
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 10);
  const dot = logical.lastIndexOf(".");
  return `${logical.slice(0, dot)}.${hash}${logical.slice(dot)}`;
}

const byName = new Map<string, Asset>();
/** Logical name → public URL, for templates. */
const urls: Record<string, string> = {};
for (const s of SOURCES) {
  const name = hashedName(s.logical, s.body);
  byName.set(name, { body: s.body, type: s.type });
  urls[s.logical] = `/assets/${name}`;
}

export function assetUrl(logical: "app.css" | "app.js" | "install.js" | "alpine-csp.js" | "favicon.svg" | "live.js" | "chat-form.js" | "chat-transcript.js" | "chat-composer.js" | "chat.js" | "logs.js" | "tool-stats.js" | "chat.css"): string {
  return urls[logical]!;
}

/** The asset for an exact hashed name, or undefined. */
export function findAsset(name: string): Asset | undefined {
  return byName.get(name);
}
