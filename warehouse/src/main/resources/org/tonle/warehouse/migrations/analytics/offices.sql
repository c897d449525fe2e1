-- analytics view `offices`: the configured offices.
CREATE OR REPLACE VIEW offices AS
SELECT code, name FROM dim_office;
