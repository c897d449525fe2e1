-- Who read or wrote what, and when (DESIGN.md section 2).
CREATE SEQUENCE audit_seq;

CREATE TABLE audit_log (
    id         BIGINT      NOT NULL DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMPTZ NOT NULL,
    principal  VARCHAR     NOT NULL,
    role       VARCHAR     NOT NULL,
    action     VARCHAR     NOT NULL,   -- read | write | correct | void | sql | export | ...
    endpoint   VARCHAR     NOT NULL,
    parameters VARCHAR,                -- JSON
    row_count  BIGINT
);
