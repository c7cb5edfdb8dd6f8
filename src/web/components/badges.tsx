/**
 * Status badges. The catalog gives install/listing state today; the runtime
 * will add `running` and `healthy` (pass them in `runtime`, undefined = unknown,
 * and nothing is shown for unknown).
 */
import type { AgentStatus, AgentSummary } from "../../core/catalog/types.ts";

export interface RuntimeState {
  running?: boolean;
  /** null = running but no health report yet. */
  healthy?: boolean | null;
}

type Tone = "neutral" | "info" | "success" | "warning" | "danger" | "accent";

const STATUS: Record<AgentStatus, { label: string; tone: Tone; hint: string }> = {
  local_dev: { label: "Local dev", tone: "accent", hint: "Installed from a local checkout in dev mode" },
  local_uninstalled: { label: "Not installed", tone: "neutral", hint: "Found on disk, not installed" },
  available: { label: "Available", tone: "info", hint: "Listed in a registry, not installed" },
  invalid: { label: "Invalid", tone: "danger", hint: "The manifest has problems" },
  missing: { label: "Missing", tone: "warning", hint: "The manifest is gone from disk" },
  installing: { label: "Installing", tone: "info", hint: "Install in progress" },
  installed: { label: "Installed", tone: "success", hint: "Installed" },
  install_failed: { label: "Install failed", tone: "danger", hint: "The last install failed" },
};

export function Badge({ tone, label, title }: { tone: Tone; label: string; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      <span class="badge-dot" aria-hidden="true"></span>
      <span safe>{label}</span>
    </span>
  );
}

export type BadgeAgent = Pick<AgentSummary, "status" | "enabled" | "duplicateOf" | "deprecated"> & Partial<Pick<AgentSummary, "replacementId" | "yanked" | "quarantine">>;

/** What the registry says about the agent's standing: deprecated (with its replacement), yanked, and the install's quarantine. */
export function RegistryStandingBadges({ agent }: { agent: BadgeAgent }) {
  return (
    <>
      {agent.deprecated ? <Badge tone="warning" label={agent.replacementId ? `Deprecated → ${agent.replacementId}` : "Deprecated"} title={agent.replacementId ? `The registry suggests ${agent.replacementId} instead` : "Deprecated by its registry"} /> : ""}
      {agent.quarantine ? <Badge tone="danger" label="Quarantined" title={`Yanked by its registry: ${agent.quarantine}`} /> : agent.yanked ? <Badge tone="danger" label="Yanked" title={agent.yanked} /> : ""}
    </>
  );
}

export function StatusBadges({ agent, runtime }: { agent: BadgeAgent; runtime?: RuntimeState }) {
  const s = STATUS[agent.status] ?? { label: String(agent.status), tone: "neutral" as Tone, hint: "" };
  return (
    <span class="badges">
      <Badge tone={s.tone} label={s.label} title={s.hint} />
      {agent.enabled ? <Badge tone="success" label="Enabled" title="Allowed to run" /> : ""}
      {runtime?.running === true ? <Badge tone="success" label="Running" /> : ""}
      {runtime?.running === true && runtime.healthy === true ? <Badge tone="success" label="Healthy" /> : ""}
      {runtime?.running === true && runtime.healthy === false ? <Badge tone="danger" label="Unhealthy" /> : ""}
      <RegistryStandingBadges agent={agent} />
      {agent.duplicateOf ? <Badge tone="warning" label="Duplicate" title="Another checkout with the same id is used" /> : ""}
    </span>
  );
}

/** Registry-assigned verification (never self-declared by the manifest). */
export function VerificationBadge({ verification }: { verification: string | null }) {
  if (!verification) return <span class="muted">unverified</span>;
  const tone: Tone = verification === "verified" ? "success" : verification === "flagged" || verification === "revoked" ? "danger" : "neutral";
  return <Badge tone={tone} label={verification} />;
}

export function TrustScore({ score }: { score: number | null }) {
  if (score === null || !Number.isFinite(score)) return <span class="muted">—</span>;
  const clamped = Math.min(Math.max(score, 0), 1);
  return (
    <span class="trust" title={`Trust score ${clamped.toFixed(2)}`}>
      <meter min="0" max="1" low={0.4} high={0.75} optimum={1} value={String(clamped)}></meter>
      <span safe>{clamped.toFixed(2)}</span>
    </span>
  );
}

export function SourceLabel({ source, registry }: { source: "local" | "remote"; registry: string | null }) {
  return source === "remote" ? (
    <span class="source">
      <span class="source-kind">registry</span> <span safe>{registry ?? "?"}</span>
    </span>
  ) : (
    <span class="source">
      <span class="source-kind">local</span>
    </span>
  );
}

export function Chips({ items, max = 4 }: { items: string[]; max?: number }) {
  if (items.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {items.slice(0, max).map((c) => (
        <span class="chip" safe>
          {c}
        </span>
      ))}
      {items.length > max ? <span class="chip chip-more" safe>{`+${items.length - max}`}</span> : ""}
    </span>
  );
}
