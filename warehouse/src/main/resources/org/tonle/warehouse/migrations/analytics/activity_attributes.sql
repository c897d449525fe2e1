-- analytics view `activity_attributes`: the declared attributes of each live record, one row
-- per record and attribute, as text. Attributes declared `text` (free text) never appear.
CREATE OR REPLACE VIEW activity_attributes AS
SELECT
    f.record_id,
    f.program AS programme,
    f.activity,
    a.name    AS attribute,
    json_extract_string(f.attributes, '$."' || a.name || '"') AS value
FROM fact_activity f
JOIN dim_attribute a ON a.program = f.program AND a.activity = f.activity AND a.type <> 'text'
WHERE json_extract_string(f.attributes, '$."' || a.name || '"') IS NOT NULL;
