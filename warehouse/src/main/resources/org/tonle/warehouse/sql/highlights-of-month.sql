-- The public highlights of one month (every programme and office), with the reviewer's
-- decision when it was made on the text as it is now. Narrative records are the programme's
-- `highlight` activity; only those staff marked public are ever meant for a report.
SELECT f.record_id, f.office, f.program,
       coalesce(json_extract_string(f.attributes, '$.kind'), 'highlight') AS kind,
       json_extract_string(f.attributes, '$.text') AS text,
       sha256(json_extract_string(f.attributes, '$.text')) AS text_sha256,
       r.state, r.reviewed_by, r.reviewed_at, f.activity_date
FROM fact_activity f
LEFT JOIN highlight_review r
       ON r.record_id = f.record_id AND r.text_sha256 = sha256(json_extract_string(f.attributes, '$.text'))
WHERE f.activity = 'highlight'
  AND f.activity_date >= ? AND f.activity_date < ?
  AND json_extract(f.attributes, '$.public') = 'true'::JSON
  AND json_extract_string(f.attributes, '$.text') IS NOT NULL
ORDER BY f.activity_date, f.program, f.office, text, f.record_id
