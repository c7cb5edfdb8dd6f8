/**
 * Static assets, embedded in the binary at build time and served from a fixed
 * in-memory map keyed by content-hashed name (`/assets/app.3f2a1c9b.css`).
 * Lookup is by exact name, never by filesystem path, so `..`, encoded
 * slashes or backslashes cannot reach anything outside the map.
 */
import alpineJs from "@alpinejs/csp/dist/cdn.min.js" with { type: "text" };
import appJs from "../../assets/app.js" with { type: "text" };
import appCss from "../../assets/app.css" with { type: "text" };
import faviconSvg from "../../assets/favicon.svg" with { type: "text" };

export interface Asset {
  body: string;
  type: string;
}

const SOURCES: Array<{ logical: string; body: string; type: string }> = [
  { logical: "app.css", body: appCss, type: "text/css; charset=utf-8" },
  { logical: "app.js", body: appJs, type: "text/javascript; charset=utf-8" },
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

export function assetUrl(logical: "app.css" | "app.js" | "alpine-csp.js" | "favicon.svg"): string {
  return urls[logical]!;
}

/** The asset for an exact hashed name, or undefined. */
export function findAsset(name: string): Asset | undefined {
  return byName.get(name);
}
