-- Poor families (desil 1..max_desil) that no scheme reaches: no member on any list, and the
-- family card on no list.
CREATE OR REPLACE TABLE poor_families AS
SELECT family_id, kk, desa_code FROM stg_welfare_families
WHERE desil <= getvariable('max_desil') AND desa_code IN (SELECT code FROM villages);

CREATE OR REPLACE TABLE reached_families AS
SELECT DISTINCT m.family_id
FROM stg_welfare_members m
JOIN linked l ON l.resource = 'welfare_members' AND l.record_id = m.record_id
JOIN (SELECT DISTINCT person_key FROM recipient_people) r ON r.person_key = l.person_key
UNION
SELECT f.family_id FROM stg_welfare_families f
JOIN (SELECT DISTINCT family_key FROM recipient_people) k ON k.family_key = f.kk;

CREATE OR REPLACE TABLE fact_exclusion_by_region AS
SELECT getvariable('period') AS period, v.code AS desa_code,
       count(p.family_id) AS poor_families,
       count(p.family_id) FILTER (WHERE r.family_id IS NULL) AS without_aid
FROM villages v
LEFT JOIN poor_families p ON p.desa_code = v.code
LEFT JOIN reached_families r ON r.family_id = p.family_id
GROUP BY ALL;
