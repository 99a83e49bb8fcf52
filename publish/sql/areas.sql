-- Unified layer shared by every indicator: the regency's villages, and each recipient row with
-- its person, family, budget source and welfare decile.
CREATE OR REPLACE TABLE villages AS
SELECT code, substr(code, 1, 8) AS kecamatan_code FROM stg_regions
WHERE level = 'desa' AND starts_with(code, getvariable('regency') || '.');

-- The welfare-register family of each linked person (the poorest if several).
CREATE OR REPLACE TABLE person_family AS
SELECT l.person_key, arg_min(f.family_id, f.desil) AS family_id, min(f.desil) AS desil,
       arg_min(f.desa_code, f.desil) AS family_desa
FROM stg_welfare_members m
JOIN stg_welfare_families f USING (family_id)
JOIN linked l ON l.resource = 'welfare_members' AND l.record_id = m.record_id
GROUP BY l.person_key;

CREATE OR REPLACE TABLE recipient_people AS
SELECT r.resource, r.record_id, r.scheme_code, r.desa_code, r.amount_rp, l.person_key,
       s.budget_source, s.target_desil_max,
       -- The family: the population register's KK when the person is known there, else the list's.
       coalesce(p.kk, r.kk, l.person_key) AS family_key,
       coalesce(pf.desil, fk.desil) AS desil,
       coalesce(pf.family_id, fk.family_id) AS dtks_family_id
FROM stg_recipients r
JOIN linked l USING (resource, record_id)
JOIN stg_schemes s USING (scheme_code)
LEFT JOIN population_records p ON p.person_key = l.person_key
LEFT JOIN person_family pf ON pf.person_key = l.person_key
LEFT JOIN (SELECT kk, min(desil) AS desil, arg_min(family_id, desil) AS family_id
           FROM stg_welfare_families GROUP BY kk) fk ON fk.kk = r.kk
WHERE r.desa_code IN (SELECT code FROM villages);

-- One village per person per scheme (the first by code), so that counts add up across levels.
CREATE OR REPLACE TABLE recipient_scheme_people AS
SELECT scheme_code, person_key, min(desa_code) AS desa_code, count(*) AS listings,
       sum(amount_rp) AS amount_rp, any_value(budget_source) AS budget_source,
       any_value(target_desil_max) AS target_desil_max, min(desil) AS desil,
       any_value(family_key) AS family_key, any_value(dtks_family_id) AS dtks_family_id
FROM recipient_people GROUP BY scheme_code, person_key;
