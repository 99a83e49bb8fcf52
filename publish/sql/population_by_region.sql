CREATE OR REPLACE TABLE fact_population_by_region AS
SELECT getvariable('period') AS period, v.code AS desa_code,
       count(p.record_id) AS residents,
       count(DISTINCT p.kk) AS families,
       count(p.record_id) FILTER (WHERE age_at(p.birth_date, getvariable('period_end')) >= 60) AS elderly,
       count(p.record_id) FILTER (WHERE coalesce(p.disability, 'none') <> 'none') AS disabled
FROM villages v
LEFT JOIN stg_population p ON p.desa_code = v.code AND p.status = 'alive'
GROUP BY ALL;
