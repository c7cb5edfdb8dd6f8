import type { ListingStatus } from "../../db/schema.ts";
import type { ManifestProblem } from "../manifest/parse.ts";

/** Status a user sees: the install state when there is one, else the listing's. */
export type AgentStatus = ListingStatus | "installing" | "installed" | "install_failed";
export const AGENT_STATUS_VALUES: readonly AgentStatus[] = [
  "local_dev",
  "local_uninstalled",
  "available",
  "invalid",
  "missing",
  "installing",
  "installed",
  "install_failed",
];

/** One catalog row as the adapters show it (list, search). */
export interface AgentSummary {
  key: string;
  id: string | null;
  name: string;
  version: string;
  description: string;
  source: "local" | "remote";
  registry: string | null;
  status: AgentStatus;
  enabled: boolean;
  verification: string | null;
  trustScore: number | null;
  deprecated: boolean;
  /** The registry's suggested replacement (shown with `deprecated`). */
  replacementId: string | null;
  /** The registry entry's yank reason; null when not yanked. */
  yanked: string | null;
  /** Why the installed agent is quarantined (its entry is yanked) and may not be enabled; null when not (or overridden). */
  quarantine: string | null;
  capabilities: string[];
  integrationPoints: string[];
  path: string | null;
  duplicateOf: string | null;
  errors: ManifestProblem[];
}

export interface InstallInfo {
  source: "local" | "remote";
  registry: string | null;
  gitUrl: string | null;
  ref: string | null;
  commit: string | null;
  installPath: string;
  state: "installing" | "installed" | "install_failed";
  enabled: boolean;
  devMode: boolean;
  buildLogPath: string | null;
  lastError: string | null;
  installedAt: string;
  updatedAt: string;
  /** Set while the registry entry is yanked; `overriddenAt` when the operator enabled it anyway (--override-yank). */
  quarantine: { reason: string; at: string | null; overriddenAt: string | null } | null;
}

export interface Approval {
  permission: string;
  approvedAt: string;
  actor: string;
}

/** Everything known about one agent id: its listings, install and approvals. */
export interface AgentDetail extends AgentSummary {
  manifest: Record<string, unknown> | null;
  permissionsRequested: string[];
  approvals: Approval[];
  install: InstallInfo | null;
  gitUrl: string | null;
  ref: string | null;
  pinnedCommit: string | null;
  manifestSha256: string | null;
  manifestMtimeMs: number | null;
  publisher: Record<string, unknown> | null;
  replacementId: string | null;
  toolSummary: Array<{ name: string; description: string }>;
  keywords: string[];
  /** Other listings with the same id (e.g. local checkout and a registry entry). */
  otherListings: Array<{ key: string; source: "local" | "remote"; registry: string | null; status: AgentStatus; path: string | null }>;
  firstSeenAt: string;
  updatedAt: string;
}
