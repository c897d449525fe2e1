-- Rejected records with field-level reasons, replayable after a fix. The body is the record
-- with its subject ref already replaced by the pseudonymous key (or, for a line that could not
-- be parsed at all, the line with any ref-shaped value hashed).
CREATE SEQUENCE dead_letter_seq;

CREATE TABLE dead_letter (
    id          BIGINT      NOT NULL DEFAULT nextval('dead_letter_seq'),
    received_at TIMESTAMPTZ NOT NULL,
    principal   VARCHAR     NOT NULL,
    source      VARCHAR     NOT NULL,
    line        INTEGER     NOT NULL,
    record_id   VARCHAR,
    program     VARCHAR,
    office      VARCHAR,
    field       VARCHAR     NOT NULL,
    rule        VARCHAR     NOT NULL,
    reason      VARCHAR     NOT NULL,
    body        VARCHAR,
    status      VARCHAR     NOT NULL DEFAULT 'open'   -- open | replayed | superseded
);
