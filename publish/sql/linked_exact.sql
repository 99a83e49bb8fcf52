-- Linkage, step 1: register records are their own key; a valid NIK found in the register
-- with a similar name is an exact link.
CREATE OR REPLACE TABLE linked AS
SELECT resource, record_id, person_key, 'register' AS method, 1.0::DOUBLE AS probability
FROM population_records
UNION ALL
SELECT s.resource, s.record_id, s.nik_person_key, 'exact', 1.0
FROM nik_status s
WHERE s.nik_person_key IS NOT NULL AND s.name_similarity >= getvariable('exact_name_similarity');

CREATE OR REPLACE TABLE link_rest AS
SELECT r.* FROM person_records r ANTI JOIN linked l USING (resource, record_id);
