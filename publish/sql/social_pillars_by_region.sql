CREATE OR REPLACE TABLE fact_social_pillars_by_region AS
WITH rt AS (SELECT desa_code, count(DISTINCT rt) AS n FROM stg_population GROUP BY desa_code),
pillars AS (SELECT unnest(['gotong_royong', 'tksk', 'psm', 'karang_taruna', 'tagana']) AS pillar)
SELECT getvariable('period') AS period, v.code AS desa_code, p.pillar,
       coalesce(sum(s.members), 0) AS members, coalesce(any_value(rt.n), 0) AS neighbourhoods
FROM villages v
CROSS JOIN pillars p
LEFT JOIN stg_social_pillars s ON s.desa_code = v.code AND s.pillar = p.pillar AND s.period = getvariable('period')
LEFT JOIN rt ON rt.desa_code = v.code
GROUP BY ALL;
