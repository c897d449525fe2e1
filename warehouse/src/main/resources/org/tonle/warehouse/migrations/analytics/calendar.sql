-- analytics view `calendar`: one row per day from 2000-01-01 (the earliest record date) to the
-- end of next year, with the period labels the API uses (2015-08, 2015-Q3, 2015).
CREATE OR REPLACE VIEW calendar AS
SELECT
    d::DATE                                           AS date,
    strftime(d, '%Y-%m')                              AS month,
    year(d) || '-Q' || quarter(d)                     AS quarter,
    year(d)::VARCHAR                                  AS year,
    date_trunc('month', d)::DATE                      AS month_start,
    isodow(d)                                         AS iso_day_of_week,
    weekofyear(d)                                     AS iso_week
FROM range(DATE '2000-01-01', (date_trunc('year', current_date) + INTERVAL 2 YEAR)::DATE, INTERVAL 1 DAY) AS t(d);
