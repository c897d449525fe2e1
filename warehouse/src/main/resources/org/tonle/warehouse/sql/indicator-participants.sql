-- A participants indicator: sums participant tallies (see indicator-activity.sql for the
-- placeholders). Attribute filters of `where` read the record's attributes through the join.
WITH periods(period, period_start, period_end) AS (VALUES ${periods})
SELECT p.period${dimensions}, SUM(f.count) AS value
FROM fact_participants f
JOIN fact_activity a ON a.record_id = f.record_id
JOIN periods p ON f.activity_date >= p.period_start AND f.activity_date < p.period_end
WHERE f.program = ? AND f.activity IN (${activities})${filters}
GROUP BY ALL
