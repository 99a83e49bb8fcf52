-- Welfare-register families per village and welfare decile (desil 1 = poorest tenth), every
-- village and every desil present (zeros included). Counted like exclusion_by_region's
-- poor_families, so that its desil 1..max_desil rows add up to that count exactly (an identity
-- in the definition of exclusion_by_region.poor_families, which the disclosure audit uses).
CREATE OR REPLACE TABLE fact_families_by_region_desil AS
WITH deciles AS (SELECT unnest(range(1, 11)) AS desil)
SELECT getvariable('period') AS period, v.code AS desa_code, d.desil::INTEGER AS desil,
       count(f.family_id) AS families
FROM villages v
CROSS JOIN deciles d
LEFT JOIN stg_welfare_families f ON f.desa_code = v.code AND f.desil = d.desil
GROUP BY ALL;
