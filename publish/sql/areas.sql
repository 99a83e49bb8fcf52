-- Unified layer shared by every indicator: the regency's villages, and each recipient row with
-- its person, family, budget source and welfare decile.
CREATE OR REPLACE TABLE villages AS
SELECT code, substr(code, 1, 8) AS kecamatan_code FROM stg_regions
WHERE level = 'desa' AND starts_with(code, getvariable('regency') || '.');

-- Each join is its own table: DuckDB spills one join's hash table to WORK when memory runs
-- short, but a chain of joins in one statement holds them all at once, and a province-sized
-- input then ran out of memory here.

-- The welfare-register family of each linked person (the poorest if several).
CREATE OR REPLACE TABLE member_keys AS
SELECT l.person_key, m.family_id
FROM stg_welfare_members m
JOIN (SELECT record_id, person_key FROM linked WHERE resource = 'welfare_members') l USING (record_id);

CREATE OR REPLACE TABLE person_family AS
SELECT k.person_key, arg_min(f.family_id, (f.desil, f.family_id)) AS family_id, min(f.desil) AS desil,
       arg_min(f.desa_code, (f.desil, f.family_id)) AS family_desa
FROM member_keys k JOIN stg_welfare_families f USING (family_id)
GROUP BY k.person_key;
DROP TABLE member_keys;

CREATE OR REPLACE TABLE recipient_keys AS
SELECT r.resource, r.record_id, r.scheme_code, r.desa_code, r.amount_rp, r.kk, l.person_key
FROM stg_recipients r
JOIN linked l USING (resource, record_id)
WHERE r.desa_code IN (SELECT code FROM villages);

-- The family: the population register's KK when the person is known there, else the list's.
CREATE OR REPLACE TABLE recipient_families AS
SELECT r.*, coalesce(p.kk, r.kk, r.person_key) AS family_key
FROM recipient_keys r
LEFT JOIN (SELECT person_key, kk FROM population_records) p USING (person_key);
DROP TABLE recipient_keys;

CREATE OR REPLACE TABLE recipient_people AS
SELECT r.resource, r.record_id, r.scheme_code, r.desa_code, r.amount_rp, r.person_key,
       s.budget_source, s.target_desil_max, r.family_key,
       coalesce(pf.desil, fk.desil) AS desil,
       coalesce(pf.family_id, fk.family_id) AS dtks_family_id
FROM recipient_families r
JOIN stg_schemes s USING (scheme_code)
LEFT JOIN person_family pf USING (person_key)
LEFT JOIN (SELECT kk, min(desil) AS desil, arg_min(family_id, (desil, family_id)) AS family_id
           FROM stg_welfare_families GROUP BY kk) fk ON fk.kk = r.kk;
DROP TABLE recipient_families;

-- One village per person per scheme (the first by code), so that counts add up across levels.
-- min() rather than any_value(): the same input must give the same release, whatever the plan.
CREATE OR REPLACE TABLE recipient_scheme_people AS
SELECT scheme_code, person_key, min(desa_code) AS desa_code, count(*) AS listings,
       sum(amount_rp) AS amount_rp, min(budget_source) AS budget_source,
       min(target_desil_max) AS target_desil_max, min(desil) AS desil,
       min(family_key) AS family_key, min(dtks_family_id) AS dtks_family_id
FROM recipient_people GROUP BY scheme_code, person_key;
