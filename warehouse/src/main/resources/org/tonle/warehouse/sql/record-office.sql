-- The office of a live record (staff may correct or void only their offices' records).
SELECT office FROM fact_activity WHERE record_id = ? LIMIT 1
