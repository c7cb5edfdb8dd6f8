-- Trust-aware, typo-tolerant search (issue 16 §5) that stays fast at 100k agents (issue 13 goal 5).
-- Nothing here runs agent code or touches the network: everything is derived
-- from catalog text already stored, by SQL alone.

-- The full-text index is rebuilt so that a query never has to score or filter every hit:
--  * its rowid is `tier * 2^40 + pk`, where tier 0 (most trusted) .. 10 comes
--    from the listing's verification level and trust score (tierSql in
--    src/core/search/rank.ts must agree). FTS5 returns hits in rowid order, so
--    a query reads the most trusted hits first, with their bm25, and a broad
--    query (thousands of hits) stops after a bounded candidate window;
--  * a `facets` column holds the exact filter values as single tokens
--    ('0fc' + hex(capability), '0fi' + hex(integration point), '0fs' + hex(listing
--    status), '0fo' + hex(source), '0fv' + hex(verification), '0ft' + the trust
--    score's tenth, 0..10, by the same comparisons a min-trust filter makes), so filters are
--    doclist intersections inside the index instead of a row lookup per hit;
--    queries restrict their words to the text columns (weight 0 in bm25);
--  * prefix indexes for 2- and 3-character prefixes: a short prefix query
--    ("sl", "git") otherwise merges the doclists of every term it expands to;
--  * contentless (the text stays in agents; contentless_delete lets a trigger
--    delete a row by rowid), so no reader can join it by pk by mistake.
DROP TRIGGER agents_fts_ai;
DROP TRIGGER agents_fts_ad;
DROP TRIGGER agents_fts_au;
DROP TABLE agents_fts;
CREATE VIRTUAL TABLE agents_fts USING fts5(
  agent_id, name, description, keywords, tool_summary, facets,
  content='', contentless_delete=1,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
INSERT INTO agents_fts(rowid, agent_id, name, description, keywords, tool_summary, facets)
  SELECT (10 - CAST(round(10 * (0.6 * (CASE verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(trust_score, 0.0), 0.0), 1.0))) AS INTEGER)) * 1099511627776 + pk,
          coalesce(agent_id,''), name, description, keywords, tool_summary,
          '0fs' || lower(hex(status)) || ' 0fo' || lower(hex(source)) || coalesce(' 0fv' || lower(hex(verification)), '') || coalesce(' 0ft' || (CASE WHEN trust_score >= 1.0 THEN 10 WHEN trust_score >= 0.9 THEN 9 WHEN trust_score >= 0.8 THEN 8 WHEN trust_score >= 0.7 THEN 7 WHEN trust_score >= 0.6 THEN 6 WHEN trust_score >= 0.5 THEN 5 WHEN trust_score >= 0.4 THEN 4 WHEN trust_score >= 0.3 THEN 3 WHEN trust_score >= 0.2 THEN 2 WHEN trust_score >= 0.1 THEN 1 WHEN trust_score >= 0.0 THEN 0 END), '')
          || coalesce((SELECT ' ' || group_concat('0fc' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(capabilities_json) THEN capabilities_json ELSE '[]' END) WHERE type = 'text'), '')
          || coalesce((SELECT ' ' || group_concat('0fi' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(integration_points_json) THEN integration_points_json ELSE '[]' END) WHERE type = 'text'), '')
  FROM agents ORDER BY pk;
INSERT INTO agents_fts(agents_fts) VALUES ('optimize');
CREATE TRIGGER agents_fts_ai AFTER INSERT ON agents BEGIN
  INSERT INTO agents_fts(rowid, agent_id, name, description, keywords, tool_summary, facets)
  VALUES ((10 - CAST(round(10 * (0.6 * (CASE new.verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(new.trust_score, 0.0), 0.0), 1.0))) AS INTEGER)) * 1099511627776 + new.pk,
          coalesce(new.agent_id,''), new.name, new.description, new.keywords, new.tool_summary,
          '0fs' || lower(hex(new.status)) || ' 0fo' || lower(hex(new.source)) || coalesce(' 0fv' || lower(hex(new.verification)), '') || coalesce(' 0ft' || (CASE WHEN new.trust_score >= 1.0 THEN 10 WHEN new.trust_score >= 0.9 THEN 9 WHEN new.trust_score >= 0.8 THEN 8 WHEN new.trust_score >= 0.7 THEN 7 WHEN new.trust_score >= 0.6 THEN 6 WHEN new.trust_score >= 0.5 THEN 5 WHEN new.trust_score >= 0.4 THEN 4 WHEN new.trust_score >= 0.3 THEN 3 WHEN new.trust_score >= 0.2 THEN 2 WHEN new.trust_score >= 0.1 THEN 1 WHEN new.trust_score >= 0.0 THEN 0 END), '')
          || coalesce((SELECT ' ' || group_concat('0fc' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(new.capabilities_json) THEN new.capabilities_json ELSE '[]' END) WHERE type = 'text'), '')
          || coalesce((SELECT ' ' || group_concat('0fi' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(new.integration_points_json) THEN new.integration_points_json ELSE '[]' END) WHERE type = 'text'), ''));
END;
CREATE TRIGGER agents_fts_ad AFTER DELETE ON agents BEGIN
  DELETE FROM agents_fts WHERE rowid = (10 - CAST(round(10 * (0.6 * (CASE old.verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(old.trust_score, 0.0), 0.0), 1.0))) AS INTEGER)) * 1099511627776 + old.pk;
END;
-- Upserts set every column: re-index only when something the index holds changed.
CREATE TRIGGER agents_fts_au AFTER UPDATE OF pk, agent_id, name, description, keywords, tool_summary, verification, trust_score, status, source, capabilities_json, integration_points_json ON agents
WHEN old.pk IS NOT new.pk OR old.agent_id IS NOT new.agent_id OR old.name IS NOT new.name OR old.description IS NOT new.description
  OR old.keywords IS NOT new.keywords OR old.tool_summary IS NOT new.tool_summary OR old.verification IS NOT new.verification OR old.trust_score IS NOT new.trust_score
  OR old.status IS NOT new.status OR old.source IS NOT new.source OR old.capabilities_json IS NOT new.capabilities_json OR old.integration_points_json IS NOT new.integration_points_json BEGIN
  DELETE FROM agents_fts WHERE rowid = (10 - CAST(round(10 * (0.6 * (CASE old.verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(old.trust_score, 0.0), 0.0), 1.0))) AS INTEGER)) * 1099511627776 + old.pk;
  INSERT INTO agents_fts(rowid, agent_id, name, description, keywords, tool_summary, facets)
  VALUES ((10 - CAST(round(10 * (0.6 * (CASE new.verification WHEN 'verified' THEN 1.0 WHEN 'community' THEN 0.5 ELSE 0.0 END) + 0.4 * min(max(coalesce(new.trust_score, 0.0), 0.0), 1.0))) AS INTEGER)) * 1099511627776 + new.pk,
          coalesce(new.agent_id,''), new.name, new.description, new.keywords, new.tool_summary,
          '0fs' || lower(hex(new.status)) || ' 0fo' || lower(hex(new.source)) || coalesce(' 0fv' || lower(hex(new.verification)), '') || coalesce(' 0ft' || (CASE WHEN new.trust_score >= 1.0 THEN 10 WHEN new.trust_score >= 0.9 THEN 9 WHEN new.trust_score >= 0.8 THEN 8 WHEN new.trust_score >= 0.7 THEN 7 WHEN new.trust_score >= 0.6 THEN 6 WHEN new.trust_score >= 0.5 THEN 5 WHEN new.trust_score >= 0.4 THEN 4 WHEN new.trust_score >= 0.3 THEN 3 WHEN new.trust_score >= 0.2 THEN 2 WHEN new.trust_score >= 0.1 THEN 1 WHEN new.trust_score >= 0.0 THEN 0 END), '')
          || coalesce((SELECT ' ' || group_concat('0fc' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(new.capabilities_json) THEN new.capabilities_json ELSE '[]' END) WHERE type = 'text'), '')
          || coalesce((SELECT ' ' || group_concat('0fi' || lower(hex(value)), ' ') FROM json_each(CASE WHEN json_valid(new.integration_points_json) THEN new.integration_points_json ELSE '[]' END) WHERE type = 'text'), ''));
END;

-- The index's own vocabulary (term, documents): says whether a query word
-- exists at all, and how common a correction candidate is.
CREATE VIRTUAL TABLE agents_fts_vocab USING fts5vocab(agents_fts, 'row');

-- Every word (3+ characters, with a letter) of the searchable text, and a
-- trigram index over it: a misspelt query word ("slak") finds its candidate
-- corrections ("slack") by shared trigrams; src/core/search/typo.ts checks the
-- edit distance and that the word is still in agents_fts_vocab. Words are only
-- added (a superset is harmless: a vanished word has no documents). It also
-- lists a query word's longer forms: a few are searched as exact terms, which
-- FTS5 reads lazily, where a prefix term first merges every doclist it covers.
CREATE TABLE search_terms (
  id   INTEGER PRIMARY KEY,
  term TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE search_terms_trigram USING fts5(term, content='search_terms', content_rowid='id', tokenize='trigram');
CREATE TRIGGER search_terms_ai AFTER INSERT ON search_terms BEGIN
  INSERT INTO search_terms_trigram(rowid, term) VALUES (new.id, new.term);
END;

-- Backfill from the rebuilt index: exactly the words FTS5 tokenized (not the facet tokens).
INSERT OR IGNORE INTO search_terms(term)
  SELECT term FROM agents_fts_vocab WHERE length(term) >= 3 AND term GLOB '*[a-z]*' AND term NOT GLOB '0f*' ORDER BY term;

-- New and changed listings add their words. SQL has no tokenizer: lower-case,
-- turn every ASCII punctuation character into a space and split through a
-- JSON array (triggers allow no WITH clause). (Not INSERT OR IGNORE: an outer
-- upsert's conflict policy would override it.)
-- SQL cannot fold case or diacritics beyond ASCII as FTS5 does, so text with
-- any other character (or that is still not valid JSON) also adds the marker
-- term char(1): from then on search_terms may miss a word of the index, and
-- the search stops trusting it to say a query word has no longer forms
-- (src/core/search/typo.ts, forms). Typo candidates need no such care.
CREATE TRIGGER search_terms_agents_ai AFTER INSERT ON agents BEGIN
  INSERT INTO search_terms(term)
    SELECT DISTINCT j.value FROM (SELECT '["' || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(coalesce(new.agent_id,'') || ' ' || new.name || ' ' || new.description || ' ' || new.keywords || ' ' || new.tool_summary), '\', ' '), '"', ' '), '.', ' '), ',', ' '), ';', ' '), ':', ' '), '_', ' '), '-', ' '), '/', ' '), '(', ' '), ')', ' '), '[', ' '), ']', ' '), '{', ' '), '}', ' '), '!', ' '), '?', ' '), '''', ' '), char(10), ' '), char(13), ' '), char(9), ' '), '@', ' '), '#', ' '), '+', ' '), '=', ' '), '*', ' '), '&', ' '), '$', ' '), '%', ' '), '<', ' '), '>', ' '), '^', ' '), '`', ' '), '|', ' '), '~', ' '), ' ', '","') || '"]' AS a) s,
      json_each(CASE WHEN json_valid(s.a) THEN s.a ELSE '[]' END) j
    WHERE length(j.value) >= 3 AND j.value GLOB '*[a-z]*' AND NOT EXISTS (SELECT 1 FROM search_terms t WHERE t.term = j.value);
  INSERT INTO search_terms(term)
    SELECT char(1) FROM (SELECT '["' || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(coalesce(new.agent_id,'') || ' ' || new.name || ' ' || new.description || ' ' || new.keywords || ' ' || new.tool_summary), '\', ' '), '"', ' '), '.', ' '), ',', ' '), ';', ' '), ':', ' '), '_', ' '), '-', ' '), '/', ' '), '(', ' '), ')', ' '), '[', ' '), ']', ' '), '{', ' '), '}', ' '), '!', ' '), '?', ' '), '''', ' '), char(10), ' '), char(13), ' '), char(9), ' '), '@', ' '), '#', ' '), '+', ' '), '=', ' '), '*', ' '), '&', ' '), '$', ' '), '%', ' '), '<', ' '), '>', ' '), '^', ' '), '`', ' '), '|', ' '), '~', ' '), ' ', '","') || '"]' AS a) s
    WHERE (NOT json_valid(s.a) OR s.a GLOB '*[^ -~]*') AND NOT EXISTS (SELECT 1 FROM search_terms t WHERE t.term = char(1));
END;
CREATE TRIGGER search_terms_agents_au AFTER UPDATE OF agent_id, name, description, keywords, tool_summary ON agents
WHEN old.agent_id IS NOT new.agent_id OR old.name IS NOT new.name OR old.description IS NOT new.description OR old.keywords IS NOT new.keywords OR old.tool_summary IS NOT new.tool_summary BEGIN
  INSERT INTO search_terms(term)
    SELECT DISTINCT j.value FROM (SELECT '["' || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(coalesce(new.agent_id,'') || ' ' || new.name || ' ' || new.description || ' ' || new.keywords || ' ' || new.tool_summary), '\', ' '), '"', ' '), '.', ' '), ',', ' '), ';', ' '), ':', ' '), '_', ' '), '-', ' '), '/', ' '), '(', ' '), ')', ' '), '[', ' '), ']', ' '), '{', ' '), '}', ' '), '!', ' '), '?', ' '), '''', ' '), char(10), ' '), char(13), ' '), char(9), ' '), '@', ' '), '#', ' '), '+', ' '), '=', ' '), '*', ' '), '&', ' '), '$', ' '), '%', ' '), '<', ' '), '>', ' '), '^', ' '), '`', ' '), '|', ' '), '~', ' '), ' ', '","') || '"]' AS a) s,
      json_each(CASE WHEN json_valid(s.a) THEN s.a ELSE '[]' END) j
    WHERE length(j.value) >= 3 AND j.value GLOB '*[a-z]*' AND NOT EXISTS (SELECT 1 FROM search_terms t WHERE t.term = j.value);
  INSERT INTO search_terms(term)
    SELECT char(1) FROM (SELECT '["' || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(coalesce(new.agent_id,'') || ' ' || new.name || ' ' || new.description || ' ' || new.keywords || ' ' || new.tool_summary), '\', ' '), '"', ' '), '.', ' '), ',', ' '), ';', ' '), ':', ' '), '_', ' '), '-', ' '), '/', ' '), '(', ' '), ')', ' '), '[', ' '), ']', ' '), '{', ' '), '}', ' '), '!', ' '), '?', ' '), '''', ' '), char(10), ' '), char(13), ' '), char(9), ' '), '@', ' '), '#', ' '), '+', ' '), '=', ' '), '*', ' '), '&', ' '), '$', ' '), '%', ' '), '<', ' '), '>', ' '), '^', ' '), '`', ' '), '|', ' '), '~', ' '), ' ', '","') || '"]' AS a) s
    WHERE (NOT json_valid(s.a) OR s.a GLOB '*[^ -~]*') AND NOT EXISTS (SELECT 1 FROM search_terms t WHERE t.term = char(1));
END;
