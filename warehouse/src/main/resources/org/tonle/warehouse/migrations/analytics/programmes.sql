-- analytics view `programmes`: every programme the node has seen deployed (removing a
-- programme keeps its data, so it stays here).
CREATE OR REPLACE VIEW programmes AS
SELECT id, name, department, last_seen FROM dim_programme;
