/** Builds catalog row values from a manifest result: the one mapping used by discovery and registry sync. */
import type { agents, ListingStatus } from "../../db/schema.ts";
import type { ManifestResult } from "../manifest/parse.ts";

export type ListingValues = Omit<typeof agents.$inferInsert, "pk" | "firstSeenAt" | "updatedAt">;

export function listingValues(
  key: string,
  source: "local" | "remote",
  result: ManifestResult,
  okStatus: ListingStatus,
  extra: Partial<ListingValues> = {},
): ListingValues {
  if (!result.ok) {
    const raw = result.raw && typeof result.raw === "object" && !Array.isArray(result.raw) ? (result.raw as Record<string, unknown>) : {};
    return {
      key,
      source,
      agentId: result.id,
      status: "invalid",
      name: typeof raw.name === "string" ? raw.name.slice(0, 128) : "",
      version: typeof raw.version === "string" ? raw.version.slice(0, 64) : "",
      description: typeof raw.description === "string" ? raw.description.slice(0, 4096) : "",
      keywords: "",
      toolSummary: "",
      capabilitiesJson: "[]",
      integrationPointsJson: "[]",
      permissionsJson: "[]",
      manifestJson: null,
      errorsJson: JSON.stringify(result.problems),
      ...extra,
    };
  }
  const m = result.manifest;
  return {
    key,
    source,
    agentId: m.id,
    status: okStatus,
    name: m.name,
    version: m.version,
    description: m.description,
    keywords: m.keywords.join(" "),
    toolSummary: m.tool_summary.map((t) => `${t.name} ${t.description}`).join(" \n"),
    capabilitiesJson: JSON.stringify(m.capabilities),
    integrationPointsJson: JSON.stringify(m.integration_points),
    permissionsJson: JSON.stringify(m.permissions),
    manifestJson: JSON.stringify({ ...m, ...(Object.keys(result.extra).length ? { x_unknown_fields: result.extra } : {}) }),
    errorsJson: "[]",
    gitUrl: m.source?.git_url ?? null,
    ref: m.source?.ref ?? null,
    publisherJson: m.publisher ? JSON.stringify(m.publisher) : null,
    ...extra,
  };
}
