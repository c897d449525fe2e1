-- The oldest changes waiting to be forwarded, in the order they were committed.
SELECT seq, record_id, version, action, body, recorded_by, recorded_at
FROM outbox
ORDER BY seq
LIMIT ?
