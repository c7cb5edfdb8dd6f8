/**
 * Search box and filters of the agents list: a plain GET form (works without
 * JavaScript); the `filters` Alpine component submits it when a select changes.
 */
import { AGENT_STATUS_VALUES } from "../../core/catalog/types.ts";
import { RUNTIME_FILTER_VALUES } from "../../core/search/runtime-filter.ts";
import type { AgentQuery } from "../../api/schemas.ts";
import { Icon } from "./icons.tsx";

const STATUS_LABELS: Record<string, string> = {
  local_dev: "Local dev",
  local_uninstalled: "Local (not installed)",
  available: "Available",
  invalid: "Invalid",
  missing: "Missing",
  installing: "Installing",
  installed: "Installed",
  install_failed: "Install failed",
  // The runtime state the daemon knows (core/search/runtime-filter.ts): installed agents only.
  running: "Running",
  stopped: "Stopped (installed)",
  crashed: "Crashed",
};

function Select({ name, label, value, options }: { name: string; label: string; value: string | undefined; options: Array<[string, string]> }) {
  return (
    <label class="field">
      <span class="field-label" safe>{label}</span>
      <select name={name} x-on:change="submit">
        <option value="">Any</option>
        {options.map(([v, text]) => (
          <option value={v} selected={v === value} safe>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function TextField({ name, label, value, placeholder }: { name: string; label: string; value: string | undefined; placeholder: string }) {
  return (
    <label class="field">
      <span class="field-label" safe>{label}</span>
      <input type="text" name={name} value={value ?? ""} placeholder={placeholder} maxlength="64" autocomplete="off" spellcheck="false" />
    </label>
  );
}

export function AgentFilters({ query }: { query: AgentQuery }) {
  const advanced = !!(query.capability || query.integration || query.verification || query["min-trust"] !== undefined);
  return (
    <form class="filters" method="get" action="/agents" role="search" x-data="filters">
      <div class="search-row">
        <label class="search">
          <Icon name="search" />
          <input type="search" name="q" value={query.q ?? ""} placeholder="Search agents by name, id, description, keyword or tool" maxlength="512" autocomplete="off" aria-label="Search agents" x-ref="search" />
          <kbd class="search-kbd" aria-hidden="true">/</kbd>
        </label>
        <Select name="status" label="Status" value={query.status} options={[...AGENT_STATUS_VALUES, ...RUNTIME_FILTER_VALUES].map((s) => [s, STATUS_LABELS[s] ?? s])} />
        <Select name="source" label="Source" value={query.source} options={[["local", "Local"], ["remote", "Registry"]]} />
        <button type="submit" class="button button-primary">Search</button>
      </div>
      <details class="more-filters" open={advanced}>
        <summary>More filters</summary>
        <div class="filter-grid">
          <TextField name="capability" label="Capability" value={query.capability} placeholder="e.g. summarize" />
          <TextField name="integration" label="Integration point" value={query.integration} placeholder="e.g. slack" />
          <TextField name="verification" label="Verification" value={query.verification} placeholder="e.g. verified" />
          <label class="field">
            <span class="field-label">Min trust (0–1)</span>
            <input type="number" name="min-trust" min="0" max="1" step="0.05" value={query["min-trust"] === undefined ? "" : String(query["min-trust"])} placeholder="0.5" />
          </label>
          <div class="filter-actions">
            <a class="button button-ghost" href="/agents">Reset</a>
          </div>
        </div>
      </details>
    </form>
  );
}
