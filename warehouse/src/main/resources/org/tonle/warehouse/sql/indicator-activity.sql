-- One indicator over activity facts. The engine fills the placeholders from the declaration:
--   ${periods}     VALUES rows (label, start, exclusive end) of the requested periods
--   ${person}      for distinct persons broken down by sex or age band: each record's person's
--                  latest sex and age band in the period (person_sex, person_age_band)
--   ${dimensions}  one expression per `by` dimension, e.g. f.office, f.person_sex
--   ${measure}     COUNT(*) | SUM(f.count) | distinct persons (anonymous records count one each)
--   ${filters}     `where` of the declaration and the office filter, all bound as parameters
-- Periods are joined, not bucketed, so a quarter or a year counts each person once over its
-- whole span instead of summing months.
WITH periods(period, period_start, period_end) AS (VALUES ${periods}),
scoped AS (
    SELECT p.period, f.*${person}
    FROM fact_activity f
    JOIN periods p ON f.activity_date >= p.period_start AND f.activity_date < p.period_end
    WHERE f.program = ? AND f.activity IN (${activities})${filters}
    -- A person's latest record in the period: by activity date, then record id on the same day.
    WINDOW person AS (PARTITION BY p.period, f.subject_key ORDER BY f.activity_date, f.record_id
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT f.period${dimensions}, ${measure} AS value
FROM scoped f
GROUP BY ALL
