-- After a crash: live records (newest version not a void) without their fact row. Their
-- facts are rebuilt from the stored body, so a record the warehouse holds always counts.
-- The records without a fact row (voided ones, and those a crash left without) are found
-- first with an anti-join, and only their versions are ranked: ranking every version of a
-- warehouse of millions took seconds at every start (docs/PERFORMANCE.md, "Restart").
SELECT v.record_id, v.version, v.body
FROM record_version v
WHERE NOT EXISTS (SELECT 1 FROM fact_activity f WHERE f.record_id = v.record_id)
QUALIFY row_number() OVER (PARTITION BY v.record_id ORDER BY v.version DESC) = 1
    AND v.action <> 'void'
