-- Desired state: what the user asked an installed agent to be. `agents run` sets
-- run_intent = 'running' (and autostart unless --no-autostart); `agents stop`,
-- disable, revoke and uninstall set it back to 'stopped'. At daemon start every
-- agent with run_intent = 'running' AND autostart = 1 is started again.
ALTER TABLE installs ADD COLUMN run_intent TEXT NOT NULL DEFAULT 'stopped' CHECK (run_intent IN ('running', 'stopped'));
ALTER TABLE installs ADD COLUMN autostart INTEGER NOT NULL DEFAULT 1 CHECK (autostart IN (0, 1));

-- Browser sessions survive a daemon restart. Only the SHA-256 of the cookie
-- value is stored; token_fingerprint (SHA-256 of the admin token the session
-- was created under) ends every session when the token changes, even when it
-- was rotated while the daemon was down.
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY NOT NULL,
  csrf TEXT NOT NULL,
  token_fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
