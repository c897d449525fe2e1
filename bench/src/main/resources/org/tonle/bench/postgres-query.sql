-- social.clients_met over one period, as Tonle's engine writes it for DuckDB
-- (warehouse sql/indicator-activity.sql): distinct persons, anonymous records one each.
SELECT ${dimensions}, COUNT(DISTINCT subject_key) + COUNT(*) FILTER (WHERE subject_key IS NULL) AS value
FROM fact_activity
WHERE program = 'social' AND activity = 'client_contact' AND activity_date >= ? AND activity_date < ?
GROUP BY ${dimensions}
