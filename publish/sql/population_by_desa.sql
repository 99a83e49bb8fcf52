CREATE OR REPLACE TABLE ind_population_by_desa AS
SELECT getvariable('period') AS period, v.code AS desa_code, v.kecamatan_code,
       count(p.record_id) AS residents, count(DISTINCT p.kk) AS families
FROM villages v
LEFT JOIN stg_population p ON p.desa_code = v.code AND p.status = 'alive'
GROUP BY ALL;
