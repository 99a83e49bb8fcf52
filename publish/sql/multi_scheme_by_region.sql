-- People and families on several schemes; forbidden combinations come from configuration
-- (table forbidden_combinations) and are judged per family, as the rules are written.
CREATE OR REPLACE TABLE multi_scheme_people AS
SELECT person_key, min(desa_code) AS desa_code, list_sort(list(DISTINCT scheme_code)) AS schemes,
       array_to_string(list_sort(list(DISTINCT budget_source)), '+') AS budget_sources,
       min(family_key) AS family_key
FROM recipient_scheme_people GROUP BY person_key;

CREATE OR REPLACE TABLE multi_scheme_families AS
SELECT family_key, min(desa_code) AS desa_code, list_sort(list(DISTINCT s.scheme)) AS schemes
FROM (SELECT family_key, desa_code, unnest(schemes) AS scheme FROM multi_scheme_people) s
GROUP BY family_key;

CREATE OR REPLACE TABLE multi_scheme_families_flagged AS
SELECT f.*, len(schemes) >= 2 AS multi,
       EXISTS (SELECT 1 FROM forbidden_combinations c
               WHERE list_contains(f.schemes, c.scheme_a) AND list_contains(f.schemes, c.scheme_b)) AS forbidden
FROM multi_scheme_families f;

CREATE OR REPLACE TABLE fact_multi_scheme_by_region AS
WITH people AS (
    SELECT p.desa_code, p.person_key, len(p.schemes) >= 2 AS multi, f.forbidden
    FROM multi_scheme_people p JOIN multi_scheme_families_flagged f USING (family_key)
), per_desa_people AS (
    SELECT desa_code, count(*) AS recipients, count(*) FILTER (WHERE multi) AS multi_scheme,
           count(*) FILTER (WHERE forbidden) AS forbidden_combination
    FROM people GROUP BY desa_code
), per_desa_families AS (
    SELECT desa_code, count(*) AS families, count(*) FILTER (WHERE multi) AS families_multi_scheme
    FROM multi_scheme_families_flagged GROUP BY desa_code
)
SELECT getvariable('period') AS period, v.code AS desa_code,
       coalesce(p.recipients, 0) AS recipients, coalesce(p.multi_scheme, 0) AS multi_scheme,
       coalesce(p.forbidden_combination, 0) AS forbidden_combination,
       coalesce(f.families, 0) AS families, coalesce(f.families_multi_scheme, 0) AS families_multi_scheme
FROM villages v
LEFT JOIN per_desa_people p ON p.desa_code = v.code
LEFT JOIN per_desa_families f ON f.desa_code = v.code;
