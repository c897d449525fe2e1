-- The identified persons of each cell of one programme activity (see cube-cells.sql), sorted so
-- that the rows of one cell come together.
SELECT DISTINCT year(activity_date) * 12 + month(activity_date) - 1 AS month, office, role,
       coalesce(sex, 'U') AS sex, coalesce(age_band, 'unknown') AS age_band${attributes}, subject_key
FROM fact_activity f
WHERE program = ? AND activity = ? AND subject_key IS NOT NULL
ORDER BY ALL
