-- What the indicator cube of each programme activity is made of, as a count and an
-- order-free digest of every column the cube reads: a persisted cube whose fingerprint equals
-- the warehouse's describes exactly these facts (docs/INDICATORS.md, "Restart").
SELECT program, activity, count(*) AS records,
       bit_xor(hash(record_id, office, activity_date, subject_key, role, sex, age_band, count, attributes))::VARCHAR AS digest
FROM fact_activity
GROUP BY ALL
