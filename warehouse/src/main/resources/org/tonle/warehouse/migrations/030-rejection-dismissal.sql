-- A rejection dismissed instead of replayed (a test record, a record entered twice by hand):
-- who dismissed it, when and why. The dead_letter row's status becomes 'dismissed'.
CREATE TABLE dead_letter_dismissal (
    dead_letter_id BIGINT      NOT NULL PRIMARY KEY,
    dismissed_at   TIMESTAMPTZ NOT NULL,
    principal      VARCHAR     NOT NULL,
    reason         VARCHAR     NOT NULL
);
