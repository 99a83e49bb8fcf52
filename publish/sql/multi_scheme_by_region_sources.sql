CREATE OR REPLACE TABLE fact_multi_scheme_by_region_sources AS
WITH multi AS (SELECT * FROM multi_scheme_people WHERE len(schemes) >= 2),
combos AS (SELECT DISTINCT budget_sources FROM multi)
SELECT getvariable('period') AS period, v.code AS desa_code, c.budget_sources,
       count(m.person_key) AS multi_scheme
FROM villages v
CROSS JOIN combos c
LEFT JOIN multi m ON m.desa_code = v.code AND m.budget_sources = c.budget_sources
GROUP BY ALL;
