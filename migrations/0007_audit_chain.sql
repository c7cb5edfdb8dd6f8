-- Tamper-evident audit log (docs/audit-log.md): every row carries `hash`, the
-- SHA-256 of its canonical form chained to the previous row's hash. Rows that
-- exist already get their hashes in id order right after this SQL (the
-- migration's backfill step, src/core/audit/backfill.ts), which then puts the
-- append-only UPDATE trigger back.
DROP TRIGGER audit_no_update;
DROP TRIGGER audit_no_delete;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- Rows may be deleted only when a later checkpoint row (appended by retention,
-- in the same transaction) covers them: it carries the hash of the last deleted
-- row, so the chain still verifies from there. Any other DELETE is refused.
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
  WHEN NOT EXISTS (
    SELECT 1 FROM audit_events c
    WHERE c.action = 'audit.checkpoint' AND c.actor = 'system' AND c.id > OLD.id
      AND json_extract(c.details_json, '$.through_id') >= OLD.id
  )
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: rows are removed only by retention, behind a checkpoint row'); END;
