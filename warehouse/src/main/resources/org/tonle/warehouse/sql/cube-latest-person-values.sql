-- The latest sex and age band, in one month, of persons whose records of an indicator in that
-- month disagree: by activity date, then record id on the same day (as indicator-activity.sql).
--   ${activities}  one ? per activity of the indicator
--   ${subjects}    one ? per subject key
--   ${filters}     `where` of the declaration and the office filter, as in indicator-activity.sql
SELECT DISTINCT f.subject_key,
       last_value(coalesce(f.sex, 'U')) OVER person AS sex,
       last_value(coalesce(f.age_band, 'unknown')) OVER person AS age_band
FROM fact_activity f
WHERE f.program = ? AND f.activity IN (${activities}) AND f.activity_date >= ? AND f.activity_date < ?
  AND f.subject_key IN (${subjects})${filters}
WINDOW person AS (PARTITION BY f.subject_key ORDER BY f.activity_date, f.record_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
