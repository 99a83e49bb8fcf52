-- Target groups and their scheme (configuration: coverage in defaults.yml).
CREATE OR REPLACE TABLE coverage_members AS
SELECT 'elderly_disabled' AS target_group, p.person_key, p.desa_code
FROM population_records p JOIN stg_population sp USING (record_id)
WHERE p.status = 'alive' AND p.desa_code IN (SELECT code FROM villages)
  AND (age_at(p.birth_date, getvariable('period_end')) >= getvariable('elderly_min_age')
       OR coalesce(sp.disability, 'none') <> 'none')
UNION ALL
SELECT DISTINCT 'pbi_target', l.person_key, f.desa_code
FROM stg_welfare_members m
JOIN stg_welfare_families f USING (family_id)
JOIN linked l ON l.resource = 'welfare_members' AND l.record_id = m.record_id
LEFT JOIN population_records p ON p.person_key = l.person_key
WHERE f.desil <= getvariable('pbi_max_desil') AND coalesce(p.status, 'alive') = 'alive'
  AND f.desa_code IN (SELECT code FROM villages);

CREATE OR REPLACE TABLE fact_coverage_by_region_group AS
WITH members AS (
    SELECT target_group, person_key, min(desa_code) AS desa_code FROM coverage_members GROUP BY ALL
), covered AS (
    SELECT DISTINCT 'elderly_disabled' AS target_group, person_key FROM recipient_people
    WHERE scheme_code = getvariable('elderly_scheme')
    UNION ALL
    SELECT DISTINCT 'pbi_target', person_key FROM recipient_people WHERE scheme_code = getvariable('pbi_scheme')
), groups AS (SELECT unnest(['elderly_disabled', 'pbi_target']) AS target_group)
SELECT getvariable('period') AS period, v.code AS desa_code, g.target_group,
       count(m.person_key) AS eligible, count(c.person_key) AS covered
FROM villages v
CROSS JOIN groups g
LEFT JOIN members m ON m.desa_code = v.code AND m.target_group = g.target_group
LEFT JOIN covered c ON c.person_key = m.person_key AND c.target_group = m.target_group
GROUP BY ALL;
