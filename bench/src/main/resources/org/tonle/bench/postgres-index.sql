-- A good index for indicator queries: the filter columns first, then the columns read, so
-- that a period of one activity is an index-only range scan.
CREATE INDEX fact_activity_indicator ON fact_activity (program, activity, activity_date)
    INCLUDE (office, sex, subject_key)
