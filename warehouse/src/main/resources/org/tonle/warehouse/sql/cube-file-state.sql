-- The warehouse state a persisted indicator cube is bound to (docs/INDICATORS.md, "Restart"):
-- the number of stored record versions (every commit appends one per record it changes; none is
-- ever removed), the token of the last persist (node_setting 'indicator_cube_file'), which the
-- restore at each start replaces and the start's repair of facts after a crash removes, so that
-- a file is taken back once, by the start after the clean stop that wrote it, and only while
-- the facts are as it left them; and the number of schema migrations applied (a migration runs
-- at start, before the restore, and could change facts).
SELECT (SELECT count(*) FROM record_version) AS versions,
       (SELECT value FROM node_setting WHERE name = 'indicator_cube_file') AS token,
       (SELECT count(*) FROM schema_migration) AS migrations
