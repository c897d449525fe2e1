-- analytics view `participant_tallies`: the participant tallies of live records (e.g. 12 male
-- taxi drivers at a training), with the record's programme, office and date.
CREATE OR REPLACE VIEW participant_tallies AS
SELECT
    p.record_id,
    p.program           AS programme,
    p.activity,
    p.office,
    p.activity_date,
    p.participant_group,
    p.sex,
    p.count
FROM fact_participants p;
