-- `agents list` sorts by name case-insensitively; without this index every page
-- sorts the whole table (measured on 100k agents: ~60 ms → ~2 ms per first page).
CREATE INDEX agents_name_nocase ON agents(name COLLATE NOCASE, agent_id, key);
