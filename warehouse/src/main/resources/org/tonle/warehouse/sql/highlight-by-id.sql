-- One public highlight by its record id, with the reviewer's decision on its present text.
SELECT f.record_id, f.office, f.program,
       coalesce(json_extract_string(f.attributes, '$.kind'), 'highlight') AS kind,
       json_extract_string(f.attributes, '$.text') AS text,
       sha256(json_extract_string(f.attributes, '$.text')) AS text_sha256,
       r.state, r.reviewed_by, r.reviewed_at, f.activity_date
FROM fact_activity f
LEFT JOIN highlight_review r
       ON r.record_id = f.record_id AND r.text_sha256 = sha256(json_extract_string(f.attributes, '$.text'))
WHERE f.activity = 'highlight'
  AND f.record_id = ?
  AND json_extract(f.attributes, '$.public') = 'true'::JSON
  AND json_extract_string(f.attributes, '$.text') IS NOT NULL
