-- An analyst's checked statement with the row cap. The limit lets DuckDB stop producing rows
-- early (a huge cross join is cut short, not materialised); the query keeps its own order.
SELECT * FROM (
${query}
) AS analyst_query
LIMIT ${cap}
