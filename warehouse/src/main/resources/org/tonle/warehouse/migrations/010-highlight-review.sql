-- Reviewers' decisions on highlights (DESIGN.md 9.3): a highlight reaches a donor's report only
-- once approved. A decision holds for the text it was made on (text_sha256, DuckDB's sha256 of
-- the stored text): a correction of the record makes it pending (or held) again. A highlight
-- without a row here is pending, or held when its text triggers a hold (worked out when read:
-- the hold rules and protected-names.txt may change).
CREATE TABLE highlight_review (
    record_id       UUID        PRIMARY KEY,
    text_sha256     VARCHAR     NOT NULL,
    state           VARCHAR     NOT NULL,   -- approved | rejected
    reason          VARCHAR,                -- why it was rejected
    override_reason VARCHAR,                -- why a held highlight was approved all the same
    reviewed_at     TIMESTAMPTZ NOT NULL,
    reviewed_by     VARCHAR     NOT NULL
);
