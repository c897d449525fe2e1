-- The cells of one programme activity, to build the indicator cube in one scan.
--   ${attributes}  one json_extract_string(...) per enum attribute of the activity
-- A cell is a month, an office, a role, a sex, an age band and the enum attribute values; it
-- holds its counters and the list of its distinct identified persons. Sex and age band of
-- records without a subject read as U and unknown, as in the engine's SQL.
SELECT year(activity_date) * 12 + month(activity_date) - 1 AS month, office, role,
       coalesce(sex, 'U') AS sex, coalesce(age_band, 'unknown') AS age_band${attributes},
       count(*) AS records, sum(count) AS total, count(*) FILTER (WHERE subject_key IS NULL) AS anonymous,
       list(DISTINCT subject_key) FILTER (WHERE subject_key IS NOT NULL) AS persons
FROM fact_activity f
WHERE program = ? AND activity = ?
GROUP BY ALL
