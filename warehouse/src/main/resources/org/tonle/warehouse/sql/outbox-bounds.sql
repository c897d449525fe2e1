-- At start: how many changes wait, and the first and last sequence numbers (0 when empty).
SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0)
FROM outbox
