/**
 * Reading back a manifest the core stored itself (`installs.manifest_json`).
 * It was validated when it was installed, but the database is a file on disk
 * that older versions, a crash mid-write or a curious user may have changed,
 * so it goes through the same schema again instead of `JSON.parse(...) as
 * Manifest`. Anything unusable is `null`: callers treat the agent as having
 * no usable manifest (not runnable, no declared capabilities), never crash.
 */
import { validateManifest } from "./parse.ts";
import type { Manifest } from "./schema.ts";

/**
 * The validated manifest in `json`, deep-frozen (results are cached and shared:
 * a caller must copy before changing anything), or null when `json` is empty,
 * not JSON, or fails the manifest schema.
 */
export function parseStoredManifest(json: string | null | undefined): Manifest | null {
  if (!json) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const r = validateManifest(raw);
  return r.ok ? deepFreeze(r.manifest) : null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
