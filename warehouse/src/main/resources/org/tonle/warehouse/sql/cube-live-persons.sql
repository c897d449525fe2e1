-- The live facts of some persons in one programme activity: after a correction or a void the
-- cube keeps a person in a cell only while one of these still falls in it.
--   ${subjects}  one ? per subject key
SELECT year(activity_date) * 12 + month(activity_date) - 1 AS month, office, role,
       coalesce(sex, 'U') AS sex, coalesce(age_band, 'unknown') AS age_band, attributes, subject_key
FROM fact_activity
WHERE program = ? AND activity = ? AND subject_key IN (${subjects})
