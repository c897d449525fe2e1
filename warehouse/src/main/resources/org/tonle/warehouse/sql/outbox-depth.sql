-- How many changes wait, the next sequence number, and when the oldest was committed.
SELECT count(*), coalesce(max(seq), 0) + 1, min(recorded_at)
FROM outbox
