-- The outbox names each waiting change only (docs/SCALING.md, docs/TRANSPORT.md): its action,
-- body, recorded_by and recorded_at are those of its record version, written in the same
-- transaction, so they are no longer stored a second time. The forwarder takes them from the
-- changes it holds in memory and, after a start or when the changes waiting outgrow that
-- memory, from record_version (sql/outbox-after.sql). Rows written before this migration keep
-- their seq, record_id and version: they are forwarded as before, in order, once.
ALTER TABLE outbox DROP COLUMN action;
ALTER TABLE outbox DROP COLUMN body;
ALTER TABLE outbox DROP COLUMN recorded_by;
ALTER TABLE outbox DROP COLUMN recorded_at;
