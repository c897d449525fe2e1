-- One indicator over activity facts. The engine fills the placeholders from the declaration:
--   ${periods}     VALUES rows (label, start, exclusive end) of the requested periods
--   ${dimensions}  one expression per `by` dimension, e.g. f.office, f.sex
--   ${measure}     COUNT(*) | SUM(f.count) | distinct persons (anonymous records count one each)
--   ${filters}     `where` of the declaration and the office filter, all bound as parameters
-- Periods are joined, not bucketed, so a quarter or a year counts each person once over its
-- whole span instead of summing months.
WITH periods(period, period_start, period_end) AS (VALUES ${periods})
SELECT p.period${dimensions}, ${measure} AS value
FROM fact_activity f
JOIN periods p ON f.activity_date >= p.period_start AND f.activity_date < p.period_end
WHERE f.program = ? AND f.activity IN (${activities})${filters}
GROUP BY ALL
