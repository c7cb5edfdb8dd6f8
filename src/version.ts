import pkg from "../package.json" with { type: "json" };

declare const __OPENSENTIENCE_COMMIT__: string | undefined;

export const VERSION: string = pkg.version;
/** Set by `bun run build` (--define); "dev" when running from source. */
export const COMMIT: string = typeof __OPENSENTIENCE_COMMIT__ === "string" ? __OPENSENTIENCE_COMMIT__ : "dev";
