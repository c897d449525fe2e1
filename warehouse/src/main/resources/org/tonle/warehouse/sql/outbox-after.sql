-- The waiting changes after a sequence number, in the order they were committed (read after a
-- restart, or after more changes were committed than the in-memory queue holds).
SELECT seq, record_id, version, action, body, recorded_by, recorded_at
FROM outbox
WHERE seq > ?
ORDER BY seq
LIMIT ?
