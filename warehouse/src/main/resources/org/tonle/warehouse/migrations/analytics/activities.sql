-- analytics view `activities`: one row per live activity record (corrections applied, voided
-- records gone). The subject is the pseudonymous key only; free-text attributes are left out
-- (enum, integer, boolean and date attributes are in `activity_attributes`).
CREATE OR REPLACE VIEW activities AS
SELECT
    f.record_id,
    f.program       AS programme,
    f.activity,
    f.office,
    f.activity_date,
    f.subject_key,                       -- keyed hash of the subject ref; NULL: not identifiable
    f.role,
    f.sex,
    f.age_band,
    f.count
FROM fact_activity f;
