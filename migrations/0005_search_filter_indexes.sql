-- Search at scale (issue 13): the catalog's filters use indexes instead of
-- reading every (wide) agents row. agents rows carry manifests, so a full scan
-- of 100k agents costs ~80 ms; these make each filter an index range.

-- One row per (capability or integration point, agent): 'c:<capability>' and
-- 'i:<integration point>', text values only, exactly what the filters'
-- json_each(...) value = ? matched. Maintained by the triggers below.
CREATE TABLE agent_tags (
  tag TEXT NOT NULL,
  pk  INTEGER NOT NULL,
  PRIMARY KEY (tag, pk)
) WITHOUT ROWID;

INSERT OR IGNORE INTO agent_tags (tag, pk)
  SELECT 'c:' || j.value, a.pk FROM agents a, json_each(CASE WHEN json_valid(a.capabilities_json) THEN a.capabilities_json ELSE '[]' END) j WHERE j.type = 'text';
INSERT OR IGNORE INTO agent_tags (tag, pk)
  SELECT 'i:' || j.value, a.pk FROM agents a, json_each(CASE WHEN json_valid(a.integration_points_json) THEN a.integration_points_json ELSE '[]' END) j WHERE j.type = 'text';

CREATE TRIGGER agent_tags_ai AFTER INSERT ON agents BEGIN
  INSERT OR IGNORE INTO agent_tags (tag, pk)
    SELECT 'c:' || value, new.pk FROM json_each(CASE WHEN json_valid(new.capabilities_json) THEN new.capabilities_json ELSE '[]' END) WHERE type = 'text';
  INSERT OR IGNORE INTO agent_tags (tag, pk)
    SELECT 'i:' || value, new.pk FROM json_each(CASE WHEN json_valid(new.integration_points_json) THEN new.integration_points_json ELSE '[]' END) WHERE type = 'text';
END;
CREATE TRIGGER agent_tags_ad AFTER DELETE ON agents BEGIN
  DELETE FROM agent_tags WHERE pk = old.pk;
END;
-- Upserts set every column: rewrite the tags only when the arrays really changed.
CREATE TRIGGER agent_tags_au AFTER UPDATE OF pk, capabilities_json, integration_points_json ON agents
WHEN old.pk IS NOT new.pk OR old.capabilities_json IS NOT new.capabilities_json OR old.integration_points_json IS NOT new.integration_points_json BEGIN
  DELETE FROM agent_tags WHERE pk = old.pk;
  INSERT OR IGNORE INTO agent_tags (tag, pk)
    SELECT 'c:' || value, new.pk FROM json_each(CASE WHEN json_valid(new.capabilities_json) THEN new.capabilities_json ELSE '[]' END) WHERE type = 'text';
  INSERT OR IGNORE INTO agent_tags (tag, pk)
    SELECT 'i:' || value, new.pk FROM json_each(CASE WHEN json_valid(new.integration_points_json) THEN new.integration_points_json ELSE '[]' END) WHERE type = 'text';
END;
-- Deleting by pk alone must not scan the table: the primary key leads with tag.
CREATE INDEX agent_tags_pk ON agent_tags(pk);

-- A narrow copy of the filter columns keyed by pk: full-text hits are checked
-- against it (INDEXED BY in src/core/search/search.ts) instead of reading each
-- hit's wide row, whose manifest spills into overflow pages.
CREATE INDEX agents_filter_cols ON agents(pk, agent_id, status, source, verification, trust_score);
-- Filter, then page by name, without sorting: each walks one index in name order.
CREATE INDEX agents_status_name ON agents(status, name COLLATE NOCASE, agent_id, key);
CREATE INDEX agents_source_name ON agents(source, name COLLATE NOCASE, agent_id, key, trust_score, verification);
