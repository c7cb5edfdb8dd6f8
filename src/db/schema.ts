/** Drizzle view of the tables created by migrations/*.sql (the SQL is the source of truth). */
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const registries = sqliteTable("registries", {
  name: text("name").primaryKey(),
  gitUrl: text("git_url").notNull(),
  ref: text("ref").notNull(),
  description: text("description").notNull().default(""),
  addedAt: text("added_at").notNull(),
  lastSyncAt: text("last_sync_at"),
  lastSyncStatus: text("last_sync_status", { enum: ["ok", "partial", "failed"] }),
  lastCommit: text("last_commit"),
  lastError: text("last_error"),
  entryErrorsJson: text("entry_errors_json").notNull().default("[]"),
  /** Signed registries (migration 0010): heads must be signed by a key in the copied allowed-signers file. */
  requireSigned: integer("require_signed", { mode: "boolean" }).notNull().default(false),
  allowedSignersPath: text("allowed_signers_path"),
  allowedSignersSha256: text("allowed_signers_sha256"),
  signatureStatus: text("signature_status", { enum: ["verified", "refused"] }),
  signatureCommit: text("signature_commit"),
  signatureDetail: text("signature_detail"),
  signatureCheckedAt: text("signature_checked_at"),
});

export const AGENT_STATUSES = ["local_dev", "local_uninstalled", "available", "invalid", "missing"] as const;
export type ListingStatus = (typeof AGENT_STATUSES)[number];

export const agents = sqliteTable("agents", {
  pk: integer("pk").primaryKey(),
  key: text("key").notNull().unique(),
  agentId: text("agent_id"),
  source: text("source", { enum: ["local", "remote"] }).notNull(),
  registryName: text("registry_name"),
  status: text("status", { enum: AGENT_STATUSES }).notNull(),
  name: text("name").notNull().default(""),
  version: text("version").notNull().default(""),
  description: text("description").notNull().default(""),
  keywords: text("keywords").notNull().default(""),
  toolSummary: text("tool_summary").notNull().default(""),
  capabilitiesJson: text("capabilities_json").notNull().default("[]"),
  integrationPointsJson: text("integration_points_json").notNull().default("[]"),
  permissionsJson: text("permissions_json").notNull().default("[]"),
  manifestJson: text("manifest_json"),
  errorsJson: text("errors_json").notNull().default("[]"),
  path: text("path"),
  manifestSha256: text("manifest_sha256"),
  manifestMtimeMs: integer("manifest_mtime_ms"),
  manifestSize: integer("manifest_size"),
  gitUrl: text("git_url"),
  ref: text("ref"),
  pinnedCommit: text("pinned_commit"),
  manifestPath: text("manifest_path"),
  verification: text("verification"),
  trustScore: real("trust_score"),
  deprecated: integer("deprecated", { mode: "boolean" }).notNull().default(false),
  replacementId: text("replacement_id"),
  publisherJson: text("publisher_json"),
  duplicateOf: text("duplicate_of"),
  /** The registry entry's `yanked.reason` (migration 0010); null when not yanked. */
  yankedReason: text("yanked_reason"),
  firstSeenAt: text("first_seen_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const installs = sqliteTable("installs", {
  agentId: text("agent_id").primaryKey(),
  source: text("source", { enum: ["local", "remote"] }).notNull(),
  registryName: text("registry_name"),
  gitUrl: text("git_url"),
  ref: text("ref"),
  commitSha: text("commit_sha"),
  installPath: text("install_path").notNull(),
  state: text("state", { enum: ["installing", "installed", "install_failed"] }).notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(false),
  devMode: integer("dev_mode", { mode: "boolean" }).notNull().default(false),
  manifestJson: text("manifest_json"),
  buildLogPath: text("build_log_path"),
  lastError: text("last_error"),
  installedAt: text("installed_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  /** Desired state (migration 0003): restored at daemon start when `autostart`. */
  runIntent: text("run_intent", { enum: ["running", "stopped"] }).notNull().default("stopped"),
  autostart: integer("autostart", { mode: "boolean" }).notNull().default(true),
  /** Quarantine (migration 0010): set when the registry entry is yanked; lifted when it is un-yanked. */
  quarantineReason: text("quarantine_reason"),
  quarantinedAt: text("quarantined_at"),
  /** The yank reason the operator explicitly overrode (`agents enable --override-yank`). */
  yankOverrideReason: text("yank_override_reason"),
  yankOverrideAt: text("yank_override_at"),
});

export const approvals = sqliteTable(
  "approvals",
  {
    agentId: text("agent_id").notNull(),
    permission: text("permission").notNull(),
    approvedAt: text("approved_at").notNull(),
    actor: text("actor").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.permission] })],
);

export const runs = sqliteTable("runs", {
  id: integer("id").primaryKey(),
  agentId: text("agent_id").notNull(),
  pid: integer("pid"),
  pgid: integer("pgid"),
  daemonPid: integer("daemon_pid").notNull(),
  startedAt: text("started_at").notNull(),
  endedAt: text("ended_at"),
  exitCode: integer("exit_code"),
  signal: text("signal"),
  reason: text("reason"),
});

/** `mcp` (migration 0004): calls from MCP clients, over /mcp or `opensentience mcp`. */
export const ACTORS = ["cli", "ui", "api", "system", "agent", "mcp"] as const;
export type Actor = (typeof ACTORS)[number];
export const OUTCOMES = ["ok", "error", "denied", "started"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const auditEvents = sqliteTable("audit_events", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: text("at").notNull(),
  actor: text("actor", { enum: ACTORS }).notNull(),
  action: text("action").notNull(),
  agentId: text("agent_id"),
  outcome: text("outcome", { enum: OUTCOMES }).notNull(),
  requestId: text("request_id"),
  correlationId: text("correlation_id"),
  detailsJson: text("details_json").notNull().default("{}"),
  /** Hash chain (migration 0007, src/core/audit/chain.ts); null only on a row written outside opensentience. */
  hash: text("hash"),
});

export const chatSessions = sqliteTable("chat_sessions", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  agentId: text("agent_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const chatMessages = sqliteTable("chat_messages", {
  id: text("id").primaryKey(),
  sessionId: text("session_id").notNull(),
  role: text("role", { enum: ["user", "assistant", "tool", "error"] }).notNull(),
  text: text("text").notNull(),
  dataJson: text("data_json"),
  correlationId: text("correlation_id"),
  createdAt: text("created_at").notNull(),
});

/** Browser sessions (migration 0003): keyed by the SHA-256 of the cookie value, never the value. */
export const webSessions = sqliteTable("web_sessions", {
  idHash: text("id_hash").primaryKey(),
  csrf: text("csrf").notNull(),
  tokenFingerprint: text("token_fingerprint").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/** Scoped client tokens for MCP clients (migration 0004): SHA-256 of the token only, never the token. */
export const clientTokens = sqliteTable("client_tokens", {
  name: text("name").primaryKey(),
  tokenHash: text("token_hash").notNull().unique(),
  /** JSON array of tool patterns: `agent_id/tool`, `agent_id/*`, `*`. */
  scopeJson: text("scope_json").notNull(),
  createdAt: text("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  lastUsedAt: text("last_used_at"),
  /** `name/version` the MCP client announced in `initialize` when it last used the token. */
  lastClient: text("last_client"),
});

/** The tool surface an operator approved, per agent (migration 0009); see src/core/approvals/tool-pins.ts. */
export const toolSurfacePins = sqliteTable("tool_surface_pins", {
  agentId: text("agent_id").primaryKey(),
  source: text("source", { enum: ["manifest", "registered"] }).notNull(),
  surfaceHash: text("surface_hash").notNull(),
  surfaceJson: text("surface_json").notNull(),
  pinnedAt: text("pinned_at").notNull(),
  pinnedBy: text("pinned_by").notNull(),
  pendingHash: text("pending_hash"),
  pendingJson: text("pending_json"),
  pendingSince: text("pending_since"),
});

/** The last `agents test` of each agent (migration 0009). */
export const agentTestRuns = sqliteTable("agent_test_runs", {
  agentId: text("agent_id").primaryKey(),
  outcome: text("outcome", { enum: ["passed", "failed", "error", "timeout"] }).notNull(),
  tests: integer("tests"),
  failures: integer("failures"),
  skipped: integer("skipped"),
  durationMs: integer("duration_ms").notNull(),
  version: text("version").notNull(),
  commitSha: text("commit_sha"),
  sandboxed: integer("sandboxed", { mode: "boolean" }).notNull(),
  logTail: text("log_tail").notNull(),
  actor: text("actor").notNull(),
  ranAt: text("ran_at").notNull(),
});

/** Latency buckets per rollup row: b0..b18 (must equal BUCKET_COUNT in src/core/metrics/histogram.ts). */
export const ROLLUP_BUCKETS = 19;
const bucketColumns = Object.fromEntries(Array.from({ length: ROLLUP_BUCKETS }, (_, i) => [`b${i}`, integer(`b${i}`).notNull().default(0)])) as Record<`b${number}`, ReturnType<typeof integer>>;

/** Per-minute rollups of tool calls (migration 0008, src/core/metrics/rollups.ts); `minute` is Unix time in minutes. */
export const toolCallRollups = sqliteTable(
  "tool_call_rollups",
  {
    minute: integer("minute").notNull(),
    agentId: text("agent_id").notNull(),
    tool: text("tool").notNull(),
    ok: integer("ok").notNull().default(0),
    error: integer("error").notNull().default(0),
    denied: integer("denied").notNull().default(0),
    canceled: integer("canceled").notNull().default(0),
    timeout: integer("timeout").notNull().default(0),
    durationSumMs: real("duration_sum_ms").notNull().default(0),
    ...bucketColumns,
  },
  (t) => [primaryKey({ columns: [t.agentId, t.tool, t.minute] })],
);
