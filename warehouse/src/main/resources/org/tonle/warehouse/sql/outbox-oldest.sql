-- When the oldest waiting change after a sequence number was committed (not in memory: read
-- here, from the record versions). An aggregate, so that it answers one row, NULL when no
-- waiting row has its version (the forwarder skips such a change, Outbox.java).
SELECT min(v.recorded_at)
FROM outbox o
JOIN record_version v ON v.record_id = o.record_id AND v.version = o.version
WHERE o.seq > ?
