-- After a crash: live records (newest version not a void) without their fact row. Their
-- facts are rebuilt from the stored body, so a record the warehouse holds always counts.
SELECT record_id, version, body
FROM record_version
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY version DESC) = 1
    AND action <> 'void'
    AND record_id NOT IN (SELECT record_id FROM fact_activity)
