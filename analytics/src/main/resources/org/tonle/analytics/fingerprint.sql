-- What the analytics views are computed from, in a few numbers: when any of it changes, the
-- analyst snapshot is out of date. Every write of a record adds a row to record_version (voids
-- too); the dimensions are small and hashed whole; the calendar view depends on the date.
SELECT concat_ws('/',
    (SELECT count(*) FROM record_version),
    (SELECT count(*) FROM fact_activity),
    (SELECT count(*) FROM fact_participants),
    (SELECT coalesce(hash(list(t)), 0) FROM (SELECT * FROM dim_office ORDER BY ALL) t),
    (SELECT coalesce(hash(list(t)), 0) FROM (SELECT * FROM dim_programme ORDER BY ALL) t),
    (SELECT coalesce(hash(list(t)), 0) FROM (SELECT * FROM dim_attribute ORDER BY ALL) t),
    (SELECT coalesce(hash(list(t)), 0) FROM (SELECT * FROM dim_indicator ORDER BY ALL) t),
    (SELECT coalesce(hash(list(t)), 0) FROM (SELECT * FROM dim_indicator_filter ORDER BY ALL) t),
    current_date)
