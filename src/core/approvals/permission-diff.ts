import { parseStoredManifest } from "../manifest/stored-manifest.ts";

/** Set differences between two permission lists (order-stable, de-duplicated). */
export interface PermissionDiff {
  added: string[];
  removed: string[];
}

export function permissionDiff(before: readonly string[], after: readonly string[]): PermissionDiff {
  const b = new Set(before);
  const a = new Set(after);
  return { added: [...a].filter((p) => !b.has(p)), removed: [...b].filter((p) => !a.has(p)) };
}

export const isEmptyDiff = (d: PermissionDiff): boolean => d.added.length === 0 && d.removed.length === 0;

/**
 * Permissions an agent's manifest requests, from a stored install manifest JSON
 * (validated; an unusable one requests nothing). For the current row prefer
 * `catalog.installedManifest(id)`; this form serves code holding a row read
 * before it changed (the manifest an update replaces).
 */
export function requestedPermissions(manifestJson: string | null): string[] {
  return [...(parseStoredManifest(manifestJson)?.permissions ?? [])];
}
