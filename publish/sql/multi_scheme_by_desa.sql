-- Per person: the schemes they are on, and whether any configured forbidden pair is among them.
CREATE OR REPLACE TABLE ind_multi_scheme_by_desa AS
WITH per_person AS (
    SELECT person_key, min(desa_code) AS desa_code, list(DISTINCT scheme_code) AS schemes
    FROM recipient_people GROUP BY person_key
), flagged AS (
    SELECT p.*, len(schemes) >= 2 AS multi,
           EXISTS (SELECT 1 FROM forbidden_combinations f
                   WHERE list_contains(p.schemes, f.scheme_a) AND list_contains(p.schemes, f.scheme_b)) AS forbidden
    FROM per_person p
)
SELECT getvariable('period') AS period, v.code AS desa_code, v.kecamatan_code,
       count(f.person_key) AS recipients,
       count(f.person_key) FILTER (WHERE f.multi) AS multi_scheme,
       count(f.person_key) FILTER (WHERE f.forbidden) AS forbidden_combination
FROM villages v
LEFT JOIN flagged f ON f.desa_code = v.code
GROUP BY ALL;
