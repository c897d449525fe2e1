-- What SchemaMigrator has done to this warehouse. `checksum` is NULL only for migrations applied
-- by a release before checksums, until the first start of a release that has them.
CREATE TABLE IF NOT EXISTS schema_migration (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL, checksum VARCHAR);
ALTER TABLE schema_migration ADD COLUMN IF NOT EXISTS checksum VARCHAR;

-- The analytics views as last created: re-created when a file's checksum differs.
CREATE TABLE IF NOT EXISTS schema_view (
    name       VARCHAR PRIMARY KEY,
    file       VARCHAR NOT NULL,
    checksum   VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
