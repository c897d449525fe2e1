-- Period cells (DESIGN.md 9.3): one office × programme × month, open (no row), submitted or
-- approved; reopened cells go back to open with the reason kept.
CREATE TABLE period_cell (
    period     VARCHAR     NOT NULL,   -- yyyy-mm
    office     VARCHAR     NOT NULL,
    program    VARCHAR     NOT NULL,
    state      VARCHAR     NOT NULL,   -- open | submitted | approved
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by VARCHAR     NOT NULL,
    reason     VARCHAR,                -- the reason given with the last change (a reopen)
    PRIMARY KEY (period, office, program)
);

-- Every change of state of every cell, oldest first.
CREATE SEQUENCE period_event_seq;

CREATE TABLE period_event (
    id         BIGINT      NOT NULL DEFAULT nextval('period_event_seq'),
    period     VARCHAR     NOT NULL,
    office     VARCHAR     NOT NULL,
    program    VARCHAR     NOT NULL,
    from_state VARCHAR     NOT NULL,
    to_state   VARCHAR     NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by VARCHAR     NOT NULL,
    reason     VARCHAR
);

-- The donor release of an approved programme × month, frozen at approval: one row per query a
-- donor can make of it (indicator, office or all, breakdown), its cells as JSON after
-- disclosure control.
CREATE TABLE period_figure (
    period      VARCHAR     NOT NULL,
    program     VARCHAR     NOT NULL,
    indicator   VARCHAR     NOT NULL,
    office      VARCHAR     NOT NULL,  -- '' for all offices
    breakdown   VARCHAR     NOT NULL,  -- the by dimensions joined by ',', '' for none
    cells       VARCHAR     NOT NULL,  -- JSON list of cells
    approved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period, indicator, office, breakdown)
);

-- A re-approval that changed a frozen figure: before, after and the reopen reason.
CREATE SEQUENCE period_revision_seq;

CREATE TABLE period_revision (
    id          BIGINT      NOT NULL DEFAULT nextval('period_revision_seq'),
    period      VARCHAR     NOT NULL,
    program     VARCHAR     NOT NULL,
    indicator   VARCHAR     NOT NULL,
    office      VARCHAR     NOT NULL,
    breakdown   VARCHAR     NOT NULL,
    before      VARCHAR     NOT NULL,
    after       VARCHAR     NOT NULL,
    reason      VARCHAR,
    approved_at TIMESTAMPTZ NOT NULL,
    approved_by VARCHAR     NOT NULL
);
