-- analytics view `indicator_records`: for every declared indicator (ratios aside), the facts it
-- counts, after its `where`. An indicator's value over any period and breakdown follows from
-- its measure:
--   records            count(*)
--   sum_count          sum(count)
--   participants       sum(count)                      (one row per tally)
--   distinct_subjects  count(DISTINCT person)          (person: the subject key, or the record
--                                                      for someone who cannot be identified)
CREATE OR REPLACE VIEW indicator_records AS
WITH facts AS (
    SELECT f.record_id, f.program, f.activity, f.office, f.activity_date, f.subject_key, f.role, f.sex,
           f.age_band, NULL::VARCHAR AS participant_group, f.count, f.attributes, FALSE AS is_tally
    FROM fact_activity f
    UNION ALL
    SELECT p.record_id, p.program, p.activity, p.office, p.activity_date, NULL, NULL, p.sex,
           NULL, p.participant_group, p.count, NULL, TRUE
    FROM fact_participants p
)
SELECT
    i.code              AS indicator,
    i.measure,
    x.record_id,
    x.program           AS programme,
    x.activity,
    x.office,
    x.activity_date,
    x.subject_key,
    coalesce(x.subject_key::VARCHAR, x.record_id::VARCHAR) AS person,
    x.role,
    x.sex,
    x.age_band,
    x.participant_group,
    x.count
FROM dim_indicator i
JOIN facts x ON x.program = i.program AND x.activity = i.activity AND x.is_tally = (i.measure = 'participants')
WHERE NOT EXISTS (
    SELECT w.field
    FROM dim_indicator_filter w
    WHERE w.code = i.code
    GROUP BY w.field
    HAVING NOT bool_or(w.value IS NOT DISTINCT FROM CASE w.field
        WHEN 'role' THEN x.role
        WHEN 'sex' THEN x.sex
        ELSE json_extract_string(x.attributes, '$."' || w.field || '"') END)
);
