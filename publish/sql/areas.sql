-- The villages and kecamatan of the regency being built, from the region list.
CREATE OR REPLACE TABLE villages AS
SELECT code, substr(code, 1, 8) AS kecamatan_code FROM stg_regions
WHERE level = 'desa' AND starts_with(code, getvariable('regency') || '.');
CREATE OR REPLACE TABLE kecamatan AS
SELECT code FROM stg_regions WHERE level = 'kecamatan' AND starts_with(code, getvariable('regency') || '.');
-- Recipients with their person key, the base of every scheme indicator.
CREATE OR REPLACE TABLE recipient_people AS
SELECT r.resource, r.record_id, r.scheme_code, r.desa_code, r.kk, r.amount_rp, l.person_key
FROM stg_recipients r JOIN linked l USING (resource, record_id);
