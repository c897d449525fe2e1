-- Facts about this warehouse that the node checks at start, e.g. the fingerprint of the
-- pseudonymisation key: a node started with another key would silently split every person
-- into two, so it refuses to start instead.
CREATE TABLE node_setting (
    name  VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
