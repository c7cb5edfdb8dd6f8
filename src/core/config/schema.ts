import { z } from "zod";
import { tracingConfigSchema } from "../tracing/settings.ts";

/** Operator limits. Every bound the daemon enforces is configurable here, in one place. */
export const limitsSchema = z
  .object({
    max_manifest_bytes: z.number().int().min(1024).max(1_048_576).default(262_144),
    max_scan_depth: z.number().int().min(1).max(64).default(16),
    max_scan_entries: z.number().int().min(1000).max(10_000_000).default(2_000_000),
    /** Entries (`agents/*.json` files) one registry may hold; more refuses its sync. */
    max_registry_entries: z.number().int().min(1).max(1_000_000).default(50_000),
    max_frame_bytes: z.number().int().min(4096).max(16_777_216).default(1_048_576),
    handshake_timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
    heartbeat_interval_ms: z.number().int().min(100).max(60_000).default(5000),
    token_ttl_ms: z.number().int().min(1000).max(600_000).default(60_000),
    default_tool_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
    max_tool_timeout_ms: z.number().int().min(100).max(3_600_000).default(600_000),
    max_concurrency: z.number().int().min(1).max(1024).default(16),
    calls_per_minute: z.number().int().min(1).max(1_000_000).default(6000),
    git_timeout_ms: z.number().int().min(1000).max(3_600_000).default(120_000),
    build_timeout_ms: z.number().int().min(1000).max(7_200_000).default(600_000),
    agent_log_max_bytes: z.number().int().min(4096).max(1_073_741_824).default(5_242_880),
    shutdown_grace_ms: z.number().int().min(0).max(120_000).default(5000),
    restart_budget: z.number().int().min(0).max(1000).default(5),
    restart_base_delay_ms: z.number().int().min(10).max(600_000).default(1000),
    restart_max_delay_ms: z.number().int().min(10).max(3_600_000).default(60_000),
    healthy_reset_ms: z.number().int().min(100).max(86_400_000).default(60_000),
    session_ttl_ms: z.number().int().min(60_000).max(30 * 86_400_000).default(12 * 3_600_000),
    /**
     * Per-agent resource caps (and defaults): a manifest's `execution_limits` may only ask for less.
     * Enforced with cgroups where the daemon can create them, else partly with rlimits (sandbox/limits.ts).
     */
    agent_memory_mb: z.number().int().min(16).max(1_048_576).default(1024),
    /** Share of one CPU in percent (100 = one core). */
    agent_cpu_percent: z.number().int().min(1).max(25_600).default(100),
    /** Tasks per agent (processes and threads). */
    agent_max_processes: z.number().int().min(16).max(1_000_000).default(256),
    agent_max_open_files: z.number().int().min(64).max(1_048_576).default(4096),
  })
  .strict();

export const registryConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, _ and -, at most 64"),
    // Checked like `registry add` when the registry is added (Registries.ensureConfigured): a bad
    // URL — or one carrying credentials, which are never stored — skips that registry with a warning.
    git_url: z.string().min(1).max(2048),
    ref: z.string().min(1).max(255).default("main"),
    /** Signed registry (like `registry add --require-signed --allowed-signers FILE`): the file is read and copied when the registry is added. */
    require_signed: z.boolean().default(false),
    allowed_signers_file: z.string().min(1).max(4096).optional(),
  })
  .strict();

/**
 * Bounded storage (docs/audit-log.md#retention): what is kept, by age and by size. Pruning runs on a timer
 * in small transactions, off the tool-call path. 0 turns a bound off.
 */
/**
 * Metrics (docs/observability.md): per-tool call counts and latency histograms, chat turns, HTTP requests,
 * served at /metrics and /api/v1/stats and rolled up per minute. `enabled: false` stops the counting on the
 * hot path; the endpoints (and `opensentience stats` through a running daemon) then answer 404.
 */
export const metricsConfigSchema = z.object({ enabled: z.boolean().default(true) }).strict();

export const retentionSchema = z
  .object({
    /** Audit rows older than this are pruned behind a checkpoint row (the chain stays verifiable). */
    audit_max_age_days: z.number().int().min(0).max(36_500).default(90),
    /** At most this many audit rows (~400 bytes each with indexes); over it, the oldest go down to 90% of it. */
    audit_max_rows: z.number().int().min(0).max(1_000_000_000).default(1_000_000),
    /** Chat sessions not touched for this long are deleted with their messages. */
    chat_max_age_days: z.number().int().min(0).max(36_500).default(180),
    /** At most this many chat messages in all; the oldest go first. */
    chat_max_messages: z.number().int().min(0).max(1_000_000_000).default(100_000),
    /** Rotated agent log files kept per agent (`<id>.log.1` … `.N`), each up to limits.agent_log_max_bytes. */
    agent_log_files: z.number().int().min(1).max(100).default(3),
    /** Rotated agent log files older than this are deleted. */
    agent_log_max_age_days: z.number().int().min(0).max(36_500).default(30),
    /** Per-minute tool-call rollups (metrics) older than this are pruned by their owner's registered task. */
    metrics_max_age_days: z.number().int().min(1).max(3650).default(7),
    /** How often the daemon prunes. */
    prune_interval_minutes: z.number().int().min(1).max(10_080).default(10),
    /** Rows per pruning transaction: small, since a batch holds the catalog's write lock and the event loop (~130 ms per 1000 rows measured on a loaded 2-core box). */
    prune_batch_rows: z.number().int().min(10).max(100_000).default(500),
    /** `doctor` warns when the data directory's file system has less free space than this. */
    min_free_disk_mb: z.number().int().min(0).max(100_000_000).default(1024),
  })
  .strict();

/** config.json. Strict: a misspelt key is an error naming it, not a silently ignored setting. */
export const configSchema = z
  .object({
    scan_roots: z.array(z.string().min(1).max(4096)).max(64).optional(),
    registries: z.array(registryConfigSchema).max(64).default([]),
    host: z.string().min(1).max(255).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(6767),
    /** On a fresh data dir, publish the bundled example agents as a local registry named `examples`. */
    examples_registry: z.boolean().default(true),
    /**
     * Agents whose source is a local repository (`file://`) listed by a registry that is NOT itself
     * local. Off by default: a remote registry must not be able to make this machine build any
     * repository it can read. Local registries and `agents install --local` are not affected.
     */
    allow_local_sources: z.boolean().default(false),
    /**
     * Agent sandbox (bubblewrap + Landlock, Linux): `auto` sandboxes when it works here and warns loudly when it
     * cannot; `required` refuses to run or build an agent without it; `off` never sandboxes.
     */
    sandbox: z.enum(["required", "auto", "off"]).default("auto"),
    limits: limitsSchema.default(() => limitsSchema.parse({})),
    retention: retentionSchema.default(() => retentionSchema.parse({})),
    /** Spans per tool call and chat turn; exported over OTLP/HTTP only with an endpoint (docs/tracing.md). */
    tracing: tracingConfigSchema.default(() => tracingConfigSchema.parse({})),
    metrics: metricsConfigSchema.default(() => metricsConfigSchema.parse({})),
  })
  .strict();

export type Limits = z.infer<typeof limitsSchema>;
export type Retention = z.infer<typeof retentionSchema>;
export type MetricsConfig = z.infer<typeof metricsConfigSchema>;
export type ConfigFile = z.infer<typeof configSchema>;
