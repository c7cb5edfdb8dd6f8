-- MCP clients (issue 14). Scoped client tokens: what an MCP client presents on
-- /mcp. Only the SHA-256 of the token is stored (tokens are 256 random bits, so
-- a plain digest reveals nothing usable); the token itself is shown once.
-- scope_json is a JSON array of tool patterns (`agent_id/tool`, `agent_id/*`, `*`).
CREATE TABLE client_tokens (
  name          TEXT PRIMARY KEY NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  scope_json    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  last_used_at  TEXT,
  last_client   TEXT
);

-- MCP calls are audited with their own actor, `mcp`. SQLite cannot change a
-- CHECK constraint in place, so audit_events is rebuilt with every row (same
-- ids), its AUTOINCREMENT counter, indexes and append-only triggers.
DROP TRIGGER audit_no_update;
DROP TRIGGER audit_no_delete;
CREATE TABLE audit_events_v4 (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,
  actor          TEXT NOT NULL CHECK (actor IN ('cli','ui','api','system','agent','mcp')),
  action         TEXT NOT NULL,
  agent_id       TEXT,
  outcome        TEXT NOT NULL CHECK (outcome IN ('ok','error','denied','started')),
  request_id     TEXT,
  correlation_id TEXT,
  details_json   TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO audit_events_v4 (id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json)
  SELECT id, at, actor, action, agent_id, outcome, request_id, correlation_id, details_json FROM audit_events ORDER BY id;
DROP TABLE audit_events;
ALTER TABLE audit_events_v4 RENAME TO audit_events;
-- The counter never goes back, even if the newest rows were the ones copied last.
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM audit_events)) WHERE name = 'audit_events';
CREATE INDEX audit_at ON audit_events(at);
CREATE INDEX audit_agent ON audit_events(agent_id, id);
CREATE INDEX audit_action ON audit_events(action, id);
CREATE INDEX audit_correlation ON audit_events(correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
