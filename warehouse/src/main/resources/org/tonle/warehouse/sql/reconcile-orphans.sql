-- After a crash: facts whose record has no stored version (their transaction never committed,
-- yet part of it came back from the WAL) leave, and so do tallies whose record has no fact.
-- (Statements are split on semicolons: none in comments.)
DELETE FROM fact_activity WHERE record_id NOT IN (SELECT record_id FROM record_version);
DELETE FROM fact_participants WHERE record_id NOT IN (SELECT record_id FROM fact_activity);
