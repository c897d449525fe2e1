-- When the oldest change after a sequence number was committed (not in memory: read here).
SELECT min(recorded_at)
FROM outbox
WHERE seq > ?
