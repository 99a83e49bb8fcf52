-- Unified layer: every person-level record of the welfare register and the scheme lists,
-- normalised for linkage. (Complaints carry only an NIK and are linked by NIK alone.)
CREATE OR REPLACE TABLE person_records AS
SELECT 'welfare_members' AS resource, m.record_id, m.nik, f.kk, name_norm(m.name) AS name_norm, m.sex,
       m.birth_date, strftime(m.birth_date, '%Y-%m-%d') AS birth_text, f.desa_code,
       nik_structure(m.nik, m.sex) AS nik_structure
FROM stg_welfare_members m JOIN stg_welfare_families f USING (family_id)
UNION ALL
SELECT resource, record_id, nik, kk, name_norm(name), sex, birth_date, strftime(birth_date, '%Y-%m-%d'),
       desa_code, nik_structure(nik, sex)
FROM stg_recipients;

CREATE OR REPLACE TABLE population_records AS
SELECT 'population' AS resource, record_id, nik, kk, name_norm(name) AS name_norm, sex, birth_date,
       strftime(birth_date, '%Y-%m-%d') AS birth_text, desa_code, status, 'P' || record_id AS person_key
FROM stg_population;
