-- The participant tallies of the records staged in batch_ids (see replaced-facts.sql).
SELECT t.record_id, t.participant_group, t.sex, t.count
FROM fact_participants t
JOIN batch_ids b ON b.id = t.record_id
