-- The warehouse's fact table (warehouse migrations 001-facts.sql), in PostgreSQL.
CREATE TABLE fact_activity (
    record_id     UUID     NOT NULL,
    program       VARCHAR  NOT NULL,
    activity      VARCHAR  NOT NULL,
    office        VARCHAR  NOT NULL,
    activity_date DATE     NOT NULL,
    subject_key   UUID,
    role          VARCHAR,
    sex           VARCHAR,
    age           SMALLINT,
    age_band      VARCHAR,
    count         INTEGER  NOT NULL,
    attributes    VARCHAR
)
