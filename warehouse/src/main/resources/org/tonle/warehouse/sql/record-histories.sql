-- Every stored version of the ids staged in batch_ids.
SELECT v.record_id, v.version, v.action, v.content_hash
FROM record_version v
JOIN batch_ids b ON b.id = v.record_id
