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

/** Permissions an agent's manifest requests, from the stored install manifest JSON. */
export function requestedPermissions(manifestJson: string | null): string[] {
  if (!manifestJson) return [];
  try {
    const m = JSON.parse(manifestJson) as { permissions?: unknown };
    return Array.isArray(m.permissions) ? m.permissions.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}
