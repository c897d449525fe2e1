-- After a commit whose outcome is unknown: how many changes after the last acknowledged one
-- wait, and the last sequence number used.
SELECT count(*), coalesce(max(seq), 0)
FROM outbox
WHERE seq > ?
