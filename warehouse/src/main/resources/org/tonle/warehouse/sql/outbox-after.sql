-- The waiting changes after a sequence number, in the order they were committed (read after a
-- restart, or after more changes were committed than the in-memory queue holds). The outbox
-- names the change; what it carries is its record version's, written in the same transaction.
-- A left join: a change whose version is missing comes back without an action (and is logged).
SELECT o.seq, o.record_id, o.version, v.action, v.body, v.recorded_by, v.recorded_at
FROM (SELECT seq, record_id, version FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?) o
LEFT JOIN record_version v ON v.record_id = o.record_id AND v.version = o.version
ORDER BY o.seq
