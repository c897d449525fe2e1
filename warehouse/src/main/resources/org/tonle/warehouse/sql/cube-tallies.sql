-- Participant tallies of one programme activity per month, office, group, sex and the record's
-- enum attribute values (${attributes} read from the record), to build the indicator cube.
SELECT year(t.activity_date) * 12 + month(t.activity_date) - 1 AS month, t.office, t.participant_group, t.sex${attributes},
       sum(t.count) AS total
FROM fact_participants t
JOIN fact_activity f ON f.record_id = t.record_id
WHERE t.program = ? AND t.activity = ?
GROUP BY ALL
