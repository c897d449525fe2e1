-- Office nodes only (transport.role: office, docs/SCALING.md): every committed change waiting
-- to be forwarded to headquarters through Kafka. Rows are written in the same transaction as
-- the record itself (a transactional outbox), so a record the office acknowledged is either
-- here or already forwarded, whatever happens to the process; a row leaves only after Kafka
-- acknowledged it. The body is the pseudonymised canonical record: no raw subject ref.
CREATE TABLE outbox (
    seq          BIGINT      NOT NULL,   -- forwarding order
    record_id    UUID        NOT NULL,   -- the Kafka key
    version      INTEGER     NOT NULL,
    action       VARCHAR     NOT NULL,   -- create | correct | void
    body         VARCHAR,                -- canonical record JSON; NULL for a void
    recorded_by  VARCHAR     NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
