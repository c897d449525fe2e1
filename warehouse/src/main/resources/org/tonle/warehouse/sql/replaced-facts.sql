-- The live facts of the records staged in batch_ids, read before a correction or void
-- replaces them, for the commit listener (the indicator cube).
SELECT f.record_id, f.program, f.activity, f.office, f.activity_date, f.subject_key, f.role, f.sex, f.age_band,
       f.count, f.attributes
FROM fact_activity f
JOIN batch_ids b ON b.id = f.record_id
