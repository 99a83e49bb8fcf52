-- Poor families (desil 1..max_desil) that no scheme reaches: no member on any list, and the
-- family card on no family list.
CREATE OR REPLACE TABLE ind_exclusion_by_desa AS
WITH poor AS (
    SELECT family_id, kk, desa_code FROM stg_welfare_families WHERE desil <= getvariable('max_desil')
), reached AS (
    SELECT DISTINCT m.family_id
    FROM stg_welfare_members m
    JOIN linked l ON l.resource = 'welfare_members' AND l.record_id = m.record_id
    JOIN (SELECT DISTINCT person_key FROM recipient_people) r ON r.person_key = l.person_key
    UNION
    SELECT f.family_id FROM stg_welfare_families f
    JOIN (SELECT DISTINCT kk FROM recipient_people WHERE kk IS NOT NULL) k ON k.kk = f.kk
)
SELECT getvariable('period') AS period, v.code AS desa_code, v.kecamatan_code,
       count(p.family_id) AS poor_families,
       count(p.family_id) FILTER (WHERE r.family_id IS NULL) AS without_aid
FROM villages v
LEFT JOIN poor p ON p.desa_code = v.code
LEFT JOIN reached r ON r.family_id = p.family_id
GROUP BY ALL;
