-- The language each person (or token principal) chose for the pages and the texts the node sends them.
CREATE TABLE language_preference (
    principal  VARCHAR     NOT NULL PRIMARY KEY,
    language   VARCHAR     NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
