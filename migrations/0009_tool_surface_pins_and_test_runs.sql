-- Trust lifecycle (issue 16).
--
-- The tool surface an operator approved, per agent: the canonical JSON of its
-- tools (name, description, input/output schema, permissions) and its SHA-256.
-- `source` is `manifest` while only the manifest's tool_summary is known (the
-- agent was enabled but has not run yet), `registered` once the agent's own
-- tools.register was pinned. A later registration that differs is kept as
-- `pending_*` (the changed tools are blocked) until the operator re-approves.
-- Rows go with the install (uninstall).
CREATE TABLE tool_surface_pins (
  agent_id       TEXT PRIMARY KEY NOT NULL REFERENCES installs(agent_id) ON DELETE CASCADE,
  source         TEXT NOT NULL CHECK (source IN ('manifest','registered')),
  surface_hash   TEXT NOT NULL,
  surface_json   TEXT NOT NULL,
  pinned_at      TEXT NOT NULL,
  pinned_by      TEXT NOT NULL,
  pending_hash   TEXT,
  pending_json   TEXT,
  pending_since  TEXT
);

-- The last `agents test` of each agent (the audit log keeps every run).
CREATE TABLE agent_test_runs (
  agent_id     TEXT PRIMARY KEY NOT NULL REFERENCES installs(agent_id) ON DELETE CASCADE,
  outcome      TEXT NOT NULL CHECK (outcome IN ('passed','failed','error','timeout')),
  tests        INTEGER,
  failures     INTEGER,
  skipped      INTEGER,
  duration_ms  INTEGER NOT NULL,
  version      TEXT NOT NULL,
  commit_sha   TEXT,
  sandboxed    INTEGER NOT NULL,
  log_tail     TEXT NOT NULL,
  actor        TEXT NOT NULL,
  ran_at       TEXT NOT NULL
);
