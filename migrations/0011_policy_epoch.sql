-- Tool-call policy cache (issue 13).
--
-- The router asks, on every tool call, whether the agent is installed and
-- enabled and which permissions are approved. That answer changes only when
-- `installs` or `approvals` change, so the runtime caches it and checks one
-- counter per call instead of re-running the query: every write to either
-- table, by any connection (the daemon, a CLI without a daemon, a hand edit
-- with the sqlite3 shell), bumps `policy_epoch.n` in the same transaction,
-- and a cache built under another `n` is thrown away.
CREATE TABLE policy_epoch (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO policy_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER policy_epoch_installs_insert AFTER INSERT ON installs BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_epoch_installs_update AFTER UPDATE ON installs BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_epoch_installs_delete AFTER DELETE ON installs BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_epoch_approvals_insert AFTER INSERT ON approvals BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_epoch_approvals_update AFTER UPDATE ON approvals BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policy_epoch_approvals_delete AFTER DELETE ON approvals BEGIN UPDATE policy_epoch SET n = n + 1 WHERE id = 1; END;
