-- The private core of the warehouse. Analysts never see these tables; they see the views of
-- analytics/ (issue: ad-hoc SQL). No column ever holds a raw subject ref: subject_key is the
-- keyed hash (HMAC-SHA-256, first 128 bits) made at the first hop of the pipeline.

-- Every stored version of every record, for idempotency ("a record equal to any stored
-- version of its id is a duplicate") and for the audit of corrections and voids.
CREATE TABLE record_version (
    record_id     UUID        NOT NULL,
    version       INTEGER     NOT NULL,
    action        VARCHAR     NOT NULL,   -- create | correct | void
    content_hash  VARCHAR     NOT NULL,   -- SHA-256 of the canonical pseudonymised record
    body          VARCHAR,                -- the pseudonymised record as JSON; NULL for a void
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   VARCHAR     NOT NULL,   -- principal name
    source        VARCHAR     NOT NULL    -- http | import:<job> | bundle:<name> | replay | ...
);

-- The current version of every live record: one row per record, removed on void.
CREATE TABLE fact_activity (
    record_id     UUID     NOT NULL,
    program       VARCHAR  NOT NULL,
    activity      VARCHAR  NOT NULL,
    office        VARCHAR  NOT NULL,
    activity_date DATE     NOT NULL,
    subject_key   UUID,                   -- NULL: a person who cannot be identified
    role          VARCHAR,
    sex           VARCHAR,
    age           SMALLINT,
    age_band      VARCHAR,
    count         INTEGER  NOT NULL,
    attributes    VARCHAR                 -- JSON object of declared attributes
);

-- Participant tallies of the current version of each record, denormalised with the record's
-- programme, office and date so that participant indicators need no join.
CREATE TABLE fact_participants (
    record_id     UUID     NOT NULL,
    program       VARCHAR  NOT NULL,
    activity      VARCHAR  NOT NULL,
    office        VARCHAR  NOT NULL,
    activity_date DATE     NOT NULL,
    participant_group VARCHAR NOT NULL,
    sex           VARCHAR  NOT NULL,
    count         INTEGER  NOT NULL
);

-- Conformed dimensions, kept in step with configuration and the live bundles.
CREATE TABLE dim_office (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL
);

CREATE TABLE dim_programme (
    id         VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    department VARCHAR,
    last_seen  TIMESTAMPTZ NOT NULL
);
