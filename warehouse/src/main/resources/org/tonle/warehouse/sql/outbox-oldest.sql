-- When the first waiting change after a sequence number was committed (not in memory: read
-- here, from its record version).
SELECT v.recorded_at
FROM (SELECT record_id, version FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1) o
JOIN record_version v ON v.record_id = o.record_id AND v.version = o.version
