-- The highlights of one programme and month that staff marked public and a reviewer approved
-- (on the text as it is now), for the monthly report. Highlights are ordinary records of the
-- programme's `highlight` activity (subject: none), with the attributes `text` (declared text,
-- max 2000), `public` (boolean) and `kind` (highlight, challenge or plan; highlight when absent). A record without `public: true`, or not approved, never
-- leaves the warehouse through the report.
SELECT f.office, f.activity_date, json_extract_string(f.attributes, '$.text') AS text,
       coalesce(json_extract_string(f.attributes, '$.kind'), 'highlight') AS kind
FROM fact_activity f
JOIN highlight_review r
  ON r.record_id = f.record_id AND r.state = 'approved'
 AND r.text_sha256 = sha256(json_extract_string(f.attributes, '$.text'))
WHERE f.program = ?
  AND f.activity = 'highlight'
  AND f.activity_date >= ? AND f.activity_date < ?
  AND json_extract(f.attributes, '$.public') = 'true'::JSON
  AND json_extract_string(f.attributes, '$.text') IS NOT NULL
ORDER BY f.activity_date, f.office, text
