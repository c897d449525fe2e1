-- As cube-fingerprint-facts.sql, for the participant tallies (their enum attribute values
-- come from the record's facts, which that fingerprint covers).
SELECT program, activity, count(*) AS tallies,
       bit_xor(hash(record_id, office, activity_date, participant_group, sex, count))::VARCHAR AS digest
FROM fact_participants
GROUP BY ALL
