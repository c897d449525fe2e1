-- What the live programme declarations say, kept in step by the node (AnalyticsDictionary) so
-- that the analytics views can tell enum attributes from free text and apply indicator
-- definitions. Private like every table: analysts see it only through the views.
CREATE TABLE dim_attribute (
    program  VARCHAR NOT NULL,
    activity VARCHAR NOT NULL,
    name     VARCHAR NOT NULL,
    type     VARCHAR NOT NULL,            -- enum | text | integer | boolean | date
    PRIMARY KEY (program, activity, name)
);

-- One row per indicator and activity it counts (an indicator may span activities).
CREATE TABLE dim_indicator (
    code     VARCHAR NOT NULL,
    program  VARCHAR NOT NULL,
    activity VARCHAR NOT NULL,
    measure  VARCHAR NOT NULL,            -- records | distinct_subjects | sum_count | participants
    unit     VARCHAR NOT NULL,
    name     VARCHAR NOT NULL,
    PRIMARY KEY (code, activity)
);

-- The `where` of each indicator: a record counts when, for every field named here, its value
-- is one of the listed values (field: role, sex or an enum attribute).
CREATE TABLE dim_indicator_filter (
    code  VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
