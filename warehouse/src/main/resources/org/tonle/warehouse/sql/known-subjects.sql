-- Which of the given subject keys (comma-separated UUIDs) belong to subjects the warehouse
-- holds: CaseCodes asks it with the pseudonyms of the code-shaped words of a text.
SELECT asked.k
FROM (SELECT DISTINCT unnest(string_split(?, ','))::UUID AS k) asked
WHERE asked.k IN (SELECT subject_key FROM fact_activity WHERE subject_key IS NOT NULL)
