-- OpenSentience catalog, schema v1.
-- Catalog rows are listings (a local manifest or a registry entry); install,
-- approval and run state is keyed by agent id and lives in its own tables.

CREATE TABLE registries (
  name              TEXT PRIMARY KEY,
  git_url           TEXT NOT NULL,
  ref               TEXT NOT NULL DEFAULT 'main',
  description       TEXT NOT NULL DEFAULT '',
  added_at          TEXT NOT NULL,
  last_sync_at      TEXT,
  last_sync_status  TEXT CHECK (last_sync_status IN ('ok','partial','failed')),
  last_commit       TEXT,
  last_error        TEXT,
  entry_errors_json TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE agents (
  pk                      INTEGER PRIMARY KEY,
  key                     TEXT NOT NULL UNIQUE,   -- 'local:<dir>' or 'registry:<name>:<id>'
  agent_id                TEXT,                   -- NULL when the manifest has no usable id
  source                  TEXT NOT NULL CHECK (source IN ('local','remote')),
  registry_name           TEXT REFERENCES registries(name) ON DELETE CASCADE,
  status                  TEXT NOT NULL CHECK (status IN ('local_dev','local_uninstalled','available','invalid','missing')),
  name                    TEXT NOT NULL DEFAULT '',
  version                 TEXT NOT NULL DEFAULT '',
  description             TEXT NOT NULL DEFAULT '',
  keywords                TEXT NOT NULL DEFAULT '',
  tool_summary            TEXT NOT NULL DEFAULT '',
  capabilities_json       TEXT NOT NULL DEFAULT '[]',
  integration_points_json TEXT NOT NULL DEFAULT '[]',
  permissions_json        TEXT NOT NULL DEFAULT '[]',
  manifest_json           TEXT,
  errors_json             TEXT NOT NULL DEFAULT '[]',
  path                    TEXT,
  manifest_sha256         TEXT,
  manifest_mtime_ms       INTEGER,
  manifest_size           INTEGER,
  git_url                 TEXT,
  ref                     TEXT,
  pinned_commit           TEXT,
  manifest_path           TEXT,
  verification            TEXT,
  trust_score             REAL,
  deprecated              INTEGER NOT NULL DEFAULT 0,
  replacement_id          TEXT,
  publisher_json          TEXT,
  duplicate_of            TEXT,
  first_seen_at           TEXT NOT NULL,
  updated_at              TEXT NOT NULL
);
CREATE INDEX agents_agent_id ON agents(agent_id);
CREATE INDEX agents_status ON agents(status);
CREATE INDEX agents_source ON agents(source, registry_name);
CREATE INDEX agents_name ON agents(name, agent_id);

CREATE VIRTUAL TABLE agents_fts USING fts5(
  agent_id, name, description, keywords, tool_summary,
  content='agents', content_rowid='pk',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER agents_fts_ai AFTER INSERT ON agents BEGIN
  INSERT INTO agents_fts(rowid, agent_id, name, description, keywords, tool_summary)
  VALUES (new.pk, coalesce(new.agent_id,''), new.name, new.description, new.keywords, new.tool_summary);
END;
CREATE TRIGGER agents_fts_ad AFTER DELETE ON agents BEGIN
  INSERT INTO agents_fts(agents_fts, rowid, agent_id, name, description, keywords, tool_summary)
  VALUES ('delete', old.pk, coalesce(old.agent_id,''), old.name, old.description, old.keywords, old.tool_summary);
END;
CREATE TRIGGER agents_fts_au AFTER UPDATE OF agent_id, name, description, keywords, tool_summary ON agents BEGIN
  INSERT INTO agents_fts(agents_fts, rowid, agent_id, name, description, keywords, tool_summary)
  VALUES ('delete', old.pk, coalesce(old.agent_id,''), old.name, old.description, old.keywords, old.tool_summary);
  INSERT INTO agents_fts(rowid, agent_id, name, description, keywords, tool_summary)
  VALUES (new.pk, coalesce(new.agent_id,''), new.name, new.description, new.keywords, new.tool_summary);
END;

-- One row per installed (or being installed) agent id.
CREATE TABLE installs (
  agent_id        TEXT PRIMARY KEY,
  source          TEXT NOT NULL CHECK (source IN ('local','remote')),
  registry_name   TEXT,
  git_url         TEXT,
  ref             TEXT,
  commit_sha      TEXT,
  install_path    TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('installing','installed','install_failed')),
  enabled         INTEGER NOT NULL DEFAULT 0,
  dev_mode        INTEGER NOT NULL DEFAULT 0,
  manifest_json   TEXT,
  build_log_path  TEXT,
  last_error      TEXT,
  installed_at    TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE approvals (
  agent_id    TEXT NOT NULL REFERENCES installs(agent_id) ON DELETE CASCADE,
  permission  TEXT NOT NULL,
  approved_at TEXT NOT NULL,
  actor       TEXT NOT NULL,
  PRIMARY KEY (agent_id, permission)
);

-- Every launch of an agent process; lets a restarted daemon find orphans.
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  agent_id    TEXT NOT NULL,
  pid         INTEGER,
  pgid        INTEGER,
  daemon_pid  INTEGER NOT NULL,
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  exit_code   INTEGER,
  signal      TEXT,
  reason      TEXT
);
CREATE INDEX runs_open ON runs(agent_id) WHERE ended_at IS NULL;

-- Append-only: the triggers below refuse updates and deletes.
CREATE TABLE audit_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,
  actor          TEXT NOT NULL CHECK (actor IN ('cli','ui','api','system','agent')),
  action         TEXT NOT NULL,
  agent_id       TEXT,
  outcome        TEXT NOT NULL CHECK (outcome IN ('ok','error','denied','started')),
  request_id     TEXT,
  correlation_id TEXT,
  details_json   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_events(at);
CREATE INDEX audit_agent ON audit_events(agent_id, id);
CREATE INDEX audit_action ON audit_events(action, id);
CREATE INDEX audit_correlation ON audit_events(correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE chat_sessions (
  id          TEXT PRIMARY KEY,
  title       TEXT NOT NULL,
  agent_id    TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE TABLE chat_messages (
  id          TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
  role        TEXT NOT NULL CHECK (role IN ('user','assistant','tool','error')),
  text        TEXT NOT NULL,
  data_json   TEXT,
  correlation_id TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX chat_messages_session ON chat_messages(session_id, created_at);
